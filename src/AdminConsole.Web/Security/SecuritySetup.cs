using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdminConsole.Web.Security;

public static class SecuritySetup
{
    public static void AddSecurity(this WebApplicationBuilder builder)
    {
        // Keys in the database, under one application name: by default they sat in the service account's profile and
        // were scoped to the content root, so a second instance (or a redeploy to another folder) rejected every cookie.
        builder.Services.AddDataProtection()
            .SetApplicationName("AdminConsole")
            .PersistKeysToDbContext<AppDbContext>();
        builder.Services
            .AddDefaultIdentity<AppUser>(o =>
            {
                o.SignIn.RequireConfirmedAccount = false; // admins create accounts; there is no email loop
                o.User.RequireUniqueEmail = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.Password.RequiredLength = 10;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddUserManager<AuditingUserManager>()
            .AddSignInManager<AuditingSignInManager>();
        builder.Services.Configure<Microsoft.AspNetCore.Mvc.RazorPages.RazorPagesOptions>(o =>
            o.Conventions.AddAreaFolderApplicationModelConvention("Identity", "/", page => page.Filters.Add(new IdentityInputFilter())));

        // Identity's validator is built for every request; this one builds it only when a check is due.
        builder.Services.AddScoped<SecurityStampValidator<AppUser>>();
        builder.Services.RemoveAll<ISecurityStampValidator>();
        builder.Services.AddSingleton<ISecurityStampValidator, DeferredSecurityStampValidator>();
        // Registered after AddDefaultIdentity, so it runs after the cookie handler's own post-configuration has
        // created the ticket format it wraps.
        builder.Services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .PostConfigure<TimeProvider, SessionStore>((o, time, sessions) =>
            {
                if (o.TicketDataFormat is not CachedTicketFormat)
                    o.TicketDataFormat = new CachedTicketFormat(o.TicketDataFormat, time);
                // The cookie names a server-side session; ending the session ends every copy of the cookie (0011).
                o.SessionStore = sessions;
            });
        builder.Services.AddSingleton<SessionStore>();

        // Locking or deleting an account, or changing its roles, renews its security stamp; sessions notice within a minute.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "AdminConsole.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = "/Identity/Account/Login";
            o.LogoutPath = "/Identity/Account/Logout";
            // A wrong role gets a real 403 (rendered by the status-code page), not a 302 to a 200 page.
            o.Events.OnRedirectToAccessDenied = ctx =>
            {
                ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        // Sign-in attempts are limited per address; Identity UI's login page gets the policy by convention.
        builder.Services.AddOptions<LoginRateLimit>().BindConfiguration(LoginRateLimit.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(o => o.AddPolicy<string, LoginRateLimitPolicy>(LoginRateLimitPolicy.Name));
        builder.Services.Configure<RazorPagesOptions>(o => o.Conventions.AddAreaPageApplicationModelConvention("Identity", "/Account/Login",
            page => page.EndpointMetadata.Add(new EnableRateLimitingAttribute(LoginRateLimitPolicy.Name))));

        builder.Services.AddAuthorizationBuilder()
            // Everything needs a signed-in user unless it says otherwise (login, health, webhook, static files).
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Console, p => p.RequireRole(Roles.Admin, Roles.Teacher, Roles.Auditor))
            .AddPolicy(Policies.Monitor, p => p.RequireRole(Roles.Admin, Roles.Auditor))
            .AddPolicy(Policies.Presence, p => p.RequireRole(Roles.Admin, Roles.Teacher))
            .AddPolicy(Policies.Compose, p => p.RequireRole(Roles.Admin, Roles.Teacher))
            .AddPolicy(Policies.EventLog, p => p.RequireRole(Roles.Admin, Roles.Auditor))
            .AddPolicy(Policies.Student, p => p.RequireRole(Roles.Student));
    }
}
