using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Routing;

namespace AdminConsole.Web.Security;

/// <summary>
/// Guards Identity UI's pages (sign-in, sign-out, account) against input they were not written for:
/// <list type="bullet">
/// <item>A <c>returnUrl</c> that is not local becomes <c>/</c>. Identity UI passes it to LocalRedirect, which throws:
/// the user was already signed in (or out) when the 500 came.</item>
/// <item>A form that did not bind (<c>Input.RememberMe=maybe</c>) is answered 400 with the page's validation
/// message. Its unparsable value is dropped from the model state first: re-rendering a checkbox from "maybe" threw.</item>
/// </list>
/// </summary>
internal sealed class IdentityInputFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        foreach (var name in context.HandlerArguments.Keys.Where(k => k.Equals("returnUrl", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            // The same test LocalRedirect makes, so nothing that passes here makes it throw.
            if (context.HandlerArguments[name] is string url && !new UrlHelper(context).IsLocalUrl(url))
                context.HandlerArguments[name] = "/";
        }

        var malformed = false;
        foreach (var (key, entry) in context.ModelState)
        {
            // A string that fails validation (an e-mail without @) is a form to correct, answered as usual; a value
            // that could not even be converted to its field's type is malformed input.
            if (entry.Errors.Count == 0 || entry.RawValue is null || FieldType(context.HandlerInstance, key) is not { } type || type == typeof(string))
                continue;
            malformed = true;
            entry.RawValue = null;
            entry.AttemptedValue = null;
        }

        var executed = await next();
        if (malformed && executed.Result is PageResult)
            context.HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    /// <summary>The type of a bound field such as <c>Input.RememberMe</c>, or null when the key names none.</summary>
    private static Type? FieldType(object model, string key)
    {
        var type = model.GetType();
        foreach (var part in key.Split('.'))
        {
            if (type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not { } property)
                return null;
            type = property.PropertyType;
        }
        return type;
    }
}
