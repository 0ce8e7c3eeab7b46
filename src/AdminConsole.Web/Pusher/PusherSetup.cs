namespace AdminConsole.Web.Pusher;

public static class PusherSetup
{
    private static readonly (string Variable, string Key)[] SeedVariables =
    [
        ("PUSHER_ENABLED", "Pusher:Enabled"),
        ("PUSHER_APP_ID", "Pusher:AppId"),
        ("PUSHER_KEY", "Pusher:Key"),
        ("PUSHER_SECRET", "Pusher:Secret"),
        ("PUSHER_CLUSTER", "Pusher:Cluster"),
    ];

    public static void AddPusher(this WebApplicationBuilder builder)
    {
        // The seed's deployment sets PUSHER_* variables; they win over appsettings like any environment variable.
        var mapped = SeedVariables
            .Select(v => (v.Key, Value: builder.Configuration[v.Variable]))
            .Where(v => !string.IsNullOrEmpty(v.Value))
            .ToDictionary(v => v.Key, v => v.Value);
        if (mapped.Count > 0)
            builder.Configuration.AddInMemoryCollection(mapped);

        builder.Services.AddOptions<PusherOptions>()
            .BindConfiguration(PusherOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
