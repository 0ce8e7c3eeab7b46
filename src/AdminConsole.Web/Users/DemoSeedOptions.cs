namespace AdminConsole.Web.Users;

/// <summary>Demo accounts and classes created in Development only (from appsettings.Development.json).</summary>
public sealed class DemoSeedOptions
{
    public const string Section = "DemoSeed";

    public List<DemoUser> Users { get; set; } = [];
    public List<DemoClass> Classes { get; set; } = [];

    public sealed class DemoUser
    {
        public string Email { get; set; } = "";
        public string DisplayName { get; set; } = "";
        public string Role { get; set; } = "";
        public string Password { get; set; } = "";
    }

    public sealed class DemoClass
    {
        public string Name { get; set; } = "";
        public List<string> Teachers { get; set; } = [];
        public List<string> Students { get; set; } = [];
    }
}
