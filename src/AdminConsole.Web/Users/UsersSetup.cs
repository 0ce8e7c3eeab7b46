namespace AdminConsole.Web.Users;

public static class UsersSetup
{
    public static void AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<UserAdministration>();
    }
}
