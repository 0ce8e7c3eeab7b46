namespace AdminConsole.Web.Classes;

public static class ClassesSetup
{
    public static void AddClasses(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ClassAdministration>();
    }
}
