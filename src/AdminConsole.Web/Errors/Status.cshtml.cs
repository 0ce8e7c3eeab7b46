using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
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

    public Task<IActionResult> OnGetAsync(int code) => Handle(code);
    public Task<IActionResult> OnPostAsync(int code) => Handle(code);

    private async Task<IActionResult> Handle(int code)
    {
        StatusCode = code;
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        if (original is null)
            return NotFound(); // visiting /Errors/Status/... directly

        Response.StatusCode = code;
        if (ApiPrefixes.Any(p => original.OriginalPath.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = HttpContext, ProblemDetails = { Status = code } });
            return new EmptyResult();
        }
        return Page();
    }
}
