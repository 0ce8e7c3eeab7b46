namespace AdminConsole.Web.Data;

public static class DataSetup
{
    public static void AddData(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var storage = StorageProvider.From(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(storage);
        storage.AddServices(builder.Services);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<DatabaseInitializer>();
        // Right after the migrations: hosted services stop in reverse order, so the leases are released last.
        builder.Services.AddSingleton(LeaseHolder.ForThisProcess());
        builder.Services.AddSingleton<LeaseMetrics>();
        builder.Services.AddSingleton<Leases>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Leases>());
        builder.Services.AddSingleton<StorageFailure>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseWritableCheck>("database", tags: ["ready"]);
    }
}
