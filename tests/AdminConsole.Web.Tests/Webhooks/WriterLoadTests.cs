using AdminConsole.Web.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>When the webhook writer counts as under load, and so acknowledges before it logs.</summary>
public class WriterLoadTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Busy_above_a_tenth_of_the_rate_within_the_current_window()
    {
        var load = new WriterLoad(_time, logInlineUpToEventsPerSecond: 10_000);
        Assert.False(load.Busy);
        load.Add(1_000);
        Assert.False(load.Busy);
        load.Add(1);
        Assert.True(load.Busy);
    }

    [Fact]
    public void The_previous_window_still_counts_then_the_load_is_forgotten()
    {
        var load = new WriterLoad(_time, logInlineUpToEventsPerSecond: 10_000);
        load.Add(1_500);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.True(load.Busy);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(load.Busy);
    }

    [Fact]
    public void A_long_quiet_gap_forgets_the_last_burst_at_once()
    {
        var load = new WriterLoad(_time, logInlineUpToEventsPerSecond: 10_000);
        load.Add(5_000);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(load.Busy);
    }

    [Fact]
    public void Quiet_only_when_nothing_was_committed_in_either_window()
    {
        var load = new WriterLoad(_time, logInlineUpToEventsPerSecond: 10_000);
        Assert.True(load.Quiet);
        load.Add(1);
        Assert.False(load.Quiet);
        _time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.False(load.Quiet);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(load.Quiet);
    }

    [Fact]
    public void Zero_means_any_delivery_in_the_last_window_defers_the_log()
    {
        var load = new WriterLoad(_time, logInlineUpToEventsPerSecond: 0);
        Assert.False(load.Busy);
        load.Add(1);
        Assert.True(load.Busy);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.False(load.Busy);
    }
}
