using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;

namespace AdminConsole.Web.Memberships;

public static class MembershipsSetup
{
    /// <summary>
    /// Everyone's roles and class memberships, cached and invalidated by every save that changes them: read by channel
    /// auth and compose (who may subscribe or send where) and by sign-in's security stamp check.
    /// </summary>
    public static void AddMemberships(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<MembershipCache>();
        // The event log names people and classes from the same snapshot.
        services.AddSingleton<ILogDirectory, MembershipLogDirectory>();
        services.AddSingleton<MembershipChangeInterceptor>();
        services.AddSingleton<MembershipCommitInterceptor>();
        services.ConfigureDbContext<AppDbContext>((sp, o) => o.AddInterceptors(
            sp.GetRequiredService<MembershipChangeInterceptor>(), sp.GetRequiredService<MembershipCommitInterceptor>()));
    }
}
