namespace AdminConsole.Web.Occupancy;

internal static class OccupancySetup
{
    public static void AddOccupancy(this WebApplicationBuilder builder)
    {
    }
}
