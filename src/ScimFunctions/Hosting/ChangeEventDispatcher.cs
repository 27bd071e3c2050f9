using Microsoft.Extensions.Hosting;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Journal;

namespace ScimFunctions.Hosting;

/// <summary>
/// Runs, in every instance, the activity journal's batch writer and the outbox dispatcher: dispatches right after each write (<see cref="ChangeOutbox.Committed"/>)
/// and sweeps every marked organization periodically, besides the timer function (which also runs when no instance
/// is up).
/// </summary>
internal sealed class ChangeEventDispatcher(ChangeOutbox outbox, ActivityJournal journal, EventSettings settings, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task> { outbox.RunAsync(stoppingToken), journal.RunAsync(stoppingToken), SweepPeriodicallyAsync(stoppingToken) };
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, settings.SweepSeconds)), time);
        do
        {
            try
            {
                await outbox.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed sweep (storage down) is retried at the next tick; the events wait in the outbox.
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
