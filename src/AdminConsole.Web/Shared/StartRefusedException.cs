namespace AdminConsole.Web.Shared;

/// <summary>
/// The console refuses to start for a reason the operator has to fix (not a bug): Program prints the message alone on
/// stderr and exits with <see cref="ExitCode"/>, with no stack trace to read past.
/// </summary>
public sealed class StartRefusedException(string message) : Exception(message)
{
    /// <summary>Distinct from .NET's 134 for an unhandled exception, so a supervisor can tell a refusal from a crash.</summary>
    public const int ExitCode = 3;

    /// <summary>
    /// Without the stack trace: the host logs a failed start with the exception ("Hosting failed to start"), and for
    /// a refusal the trace only buries the message the operator needs.
    /// </summary>
    public override string ToString() => $"{GetType().FullName}: {Message}";
}
