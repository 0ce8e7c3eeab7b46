namespace AdminConsole.Web.Tests.Infrastructure;

/// <summary>
/// Tests that measure the process (its heap, its CPU) run in this collection: after every parallel test, one at a
/// time, so what they measure is theirs.
/// </summary>
[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;
