namespace AdminConsole.Web.EventLog;

/// <summary>
/// Who and what the log's ids stand for: the people (by Identity user id) and classes (by id) as they are now.
/// The log owns this interface so it can name people and classes without depending on the features that own
/// them (they all write to the log); the membership snapshot implements it (wired in AddMemberships).
/// </summary>
public interface ILogDirectory
{
    ValueTask<LogDirectory> GetAsync(CancellationToken ct = default);
}

public sealed record LoggedPerson(string Id, string DisplayName, string Email)
{
    /// <summary>Name and email folded once (<see cref="Shared.SearchText"/>), for the log's user filter.</summary>
    public string SearchKey { get; } = Shared.SearchText.Fold(DisplayName + "\n" + Email);

    /// <summary>How the log shows the person: "Sam Student" (the email when there is no name).</summary>
    public string Label => string.IsNullOrWhiteSpace(DisplayName) ? Email : DisplayName;
}

public sealed record LogDirectory(IReadOnlyDictionary<string, LoggedPerson> People, IReadOnlyDictionary<int, string> Classes)
{
    public static readonly LogDirectory Empty = new(new Dictionary<string, LoggedPerson>(), new Dictionary<int, string>());
}
