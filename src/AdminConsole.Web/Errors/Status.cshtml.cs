using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Errors;

/// <summary>
/// Renders 403, 404 and other bodiless status codes. Requests to the JSON and protocol endpoints get
/// ProblemDetails instead of an HTML page.
/// </summary>
[IgnoreAntiforgeryToken]
public class StatusModel(IProblemDetailsService problems) : PageModel
{
    private static readonly string[] ApiPrefixes = ["/pusher", "/realtime", "/hubs", "/api", "/health"];

    public new int StatusCode { get; private set; }

    // No parameters and no bound properties: a re-executed request still carries the original body, and binding
    // it let a form field "code=200" (or "0", "abc", a NUL, a key with '[') choose or break the status line.
    // Every method lands here (a PUT to an API path that answered 405 is re-executed as a PUT), handler or not.
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next) =>
        context.Result = await Handle();

    private async Task<IActionResult> Handle()
    {
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        if (original is null)
            return NotFound(); // visiting /Errors/Status/... directly

        // The status the pipeline really produced, never anything the client sent.
        var code = original.OriginalStatusCode is >= 400 and <= 599 ? original.OriginalStatusCode : StatusCodes.Status500InternalServerError;
        StatusCode = code;
        Response.StatusCode = code;
        if (ApiPrefixes.Any(p => original.OriginalPath.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = HttpContext, ProblemDetails = { Status = code } });
            return new EmptyResult();
        }
        return Page();
    }
}
