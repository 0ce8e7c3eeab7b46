using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Pusher;

/// <summary>The "Pusher:Local" section: the Channels server the console hosts itself when it has no Pusher app.</summary>
public sealed class LocalChannelsSettings
{
    public const string Section = "Pusher:Local";

    /// <summary>
    /// Whether the console hosts the local server when it has no Pusher credentials. Unset: only in Development. A
    /// production console without credentials is misconfigured, and its users' browsers would look for the server on
    /// their own machines. False: stay unconfigured (auth and sends answer 503).
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>Loopback port for pusher-js and the HTTP API; when taken, any free port. 0: always a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 6001;

    /// <summary>The app key pusher-js connects with (public; the secret is generated on every start).</summary>
    public string Key { get; set; } = "local-console";

    /// <summary>
    /// Whether browsers may send client events (<c>client-*</c>) to each other on private and presence channels.
    /// Off, as on a new Pusher app: the console's pages never send them, and on, any student could broadcast to
    /// their class. Pages that receive them show them apart from announcements, with the sender where known.
    /// </summary>
    public bool ClientEvents { get; set; }

    /// <summary>channel_vacated / member_removed wait this long, as Pusher does (3 s); tests set 0.</summary>
    public TimeSpan VacatedDelay { get; set; } = TimeSpan.FromSeconds(3);
}
