using AdminConsole.Web.EventLog;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdminConsole.Web.Classes;

public static class ClassesSetup
{
    public static void AddClasses(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<AuditTrail>();
        builder.Services.AddScoped<ClassAdministration>();
    }
}
