namespace AdminConsole.Web.Users;

public static class UsersSetup
{
    public static void AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<UserAdministration>();
        builder.Services.AddOptions<DemoSeedOptions>().BindConfiguration(DemoSeedOptions.Section);
        // After AddData's DatabaseInitializer (hosted services start in order): the tables exist by now.
        builder.Services.AddHostedService<AccountsInitializer>();
    }
}
