namespace AdminConsole.Web.EventLog;

public static class EventLogSetup
{
    public static void AddEventLog(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventLogOptions>()
            .BindConfiguration(EventLogOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddScoped<AuditChainVerifier>();
    }

    public static void MapEventLog(this WebApplication app)
    {
    }
}
