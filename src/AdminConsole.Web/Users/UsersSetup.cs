using AdminConsole.Web.EventLog;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdminConsole.Web.Users;

public static class UsersSetup
{
    public static void AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<AuditTrail>();
        builder.Services.AddScoped<UserAdministration>();
    }
}
