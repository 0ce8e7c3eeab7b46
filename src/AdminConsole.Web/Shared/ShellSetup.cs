using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace AdminConsole.Web.Shared;

public static partial class ShellSetup
{
    public static void AddConsoleShell(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(o =>
        {
            // Feature folders: pages live beside the services they use, at the project root.
            o.RootDirectory = "/";
            o.Conventions.AuthorizeFolder("/Users", Policies.Admin);
            o.Conventions.AuthorizeFolder("/Classes", Policies.Admin);
            // The channel views live in Occupancy/ with their projection; their @page templates keep the URLs
            // /Channels, /Channels/Detail, /Channels/Reconcile and /Presence, and these routes the /Index aliases
            // the folders used to give them.
            o.Conventions.AuthorizePage("/Occupancy/Channels", Policies.Monitor);
            o.Conventions.AuthorizePage("/Occupancy/ChannelDetail", Policies.Monitor);
            o.Conventions.AuthorizePage("/Occupancy/Reconcile", Policies.Monitor);
            o.Conventions.AuthorizePage("/Occupancy/Presence", Policies.Presence);
            o.Conventions.AddPageRoute("/Occupancy/Channels", "/Channels/Index");
            o.Conventions.AddPageRoute("/Occupancy/Presence", "/Presence/Index");
            o.Conventions.AuthorizePage("/Dashboard/Teacher", Policies.Presence);
            o.Conventions.AuthorizeFolder("/Compose", Policies.Compose);
            o.Conventions.AuthorizeFolder("/EventLog", Policies.EventLog);
            o.Conventions.AuthorizeFolder("/Student", Policies.Student);
            o.Conventions.AllowAnonymousToFolder("/Errors");
        });
        builder.Services.Configure<MvcOptions>(o =>
        {
            // jQuery's bracket notation (a[b]=1 for a.b) is nothing the console's forms send, and its normalizer
            // throws on a key like "[" before any page code runs (a 500 on the sign-in form in the hostile-input test).
            o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
            o.ValueProviderFactories.RemoveType<JQueryQueryStringValueProviderFactory>();
            // Global, so it covers the Identity area's pages too (page conventions' ConfigureFilter leaves areas out).
            o.Filters.Add(new NoHandlerFilter());
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<SchoolOptions>()
            .Bind(builder.Configuration.GetSection(SchoolOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SchoolTime>();
        builder.Services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            // Secure whenever the request came over HTTPS (directly or through a trusted proxy).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Transport sends X-Frame-Options: DENY on every response; antiforgery would only add SAMEORIGIN to some.
            o.SuppressXFrameOptionsHeader = true;
        });
        // Features add their own policies; the default status (503) would read as an outage.
        builder.Services.AddRateLimiter(o => o.RejectionStatusCode = StatusCodes.Status429TooManyRequests);
    }

    public static void UseConsoleShell(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/Errors/Error");
        app.UseStatusCodePagesWithReExecute("/Errors/Status/{0}");
        // A body the client broke (cut off before its end, over a size limit) surfaces as BadHttpRequestException
        // wherever an endpoint reads it; it is the client's error (its 400 or 413), not a 500 from the handler.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.StatusCode = e.StatusCode;
            }
            // A full disk, a read-only file system or a database that cannot be reached is an outage to retry, not a
            // bug: 503 with Retry-After (the status page renders it), and readiness hears of it.
            catch (Exception e) when (!context.Response.HasStarted && context.RequestServices.GetRequiredService<StorageFailure>().Observe(e))
            {
                LogStorageUnavailable(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ShellSetup)), e, context.Request.Path.Value ?? "");
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
            }
        });
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: policies partition by user id
    }

    public static void MapConsoleShell(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorPages().WithStaticAssets();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage unavailable while answering {Path}; answered 503")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, string path);
}
