using System.Buffers;
using System.Security.Cryptography;
using AdminConsole.Channels;
using AdminConsole.Web.Pusher;
using Microsoft.AspNetCore.Http.Features;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// POST /pusher/webhook. Anonymous and exempt from antiforgery: the HMAC signature over the raw body is the
/// authentication. Order of checks: size (413), credentials configured, key and signature (401), shape (400);
/// then the delivery is stored by <see cref="WebhookIngestor"/> and answered 200 only once committed, so an
/// acknowledged webhook survives a crash. Every refusal is recorded for the delivery log.
/// </summary>
public sealed class WebhookReceiver(WebhookIngestor ingestor, PusherApp pusher, TimeProvider time)
{
    /// <summary>Pusher's batches are a few KB; 1 MB leaves room without letting anyone park large bodies here.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public async Task<IResult> ReceiveAsync(HttpContext context, CancellationToken ct)
    {
        var receivedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var remote = context.Connection.RemoteIpAddress?.ToString();

        var body = await ReadBodyAsync(context.Request, ct);
        if (body is null)
            return await RejectAsync(StatusCodes.Status413PayloadTooLarge, WebhookRejectionChecks.TooLarge,
                $"The body is larger than {MaxBodyBytes} bytes.", null, context.Request.ContentLength ?? 0);

        var sha = Convert.ToHexStringLower(SHA256.HashData(body));
        var verifier = pusher.Verifier;
        if (verifier is null)
            return await RejectAsync(StatusCodes.Status401Unauthorized, WebhookRejectionChecks.NotConfigured,
                "The console has no Pusher app credentials configured (Pusher:Key and Pusher:Secret, or PUSHER_KEY and PUSHER_SECRET), so it cannot verify webhooks.", sha, body.Length);

        var verdict = verifier.Verify(context.Request.Headers["X-Pusher-Key"], context.Request.Headers["X-Pusher-Signature"], body);
        if (!verdict.IsValid)
        {
            var status = verdict.Failure == WebhookFailure.MalformedBody ? StatusCodes.Status400BadRequest : StatusCodes.Status401Unauthorized;
            return await RejectAsync(status, CheckName(verdict.Failure), verdict.Reason ?? "Invalid webhook.", sha, body.Length);
        }

        var webhook = verdict.Webhook!;
        if (Validate(webhook) is { } problem)
            return await RejectAsync(StatusCodes.Status400BadRequest, WebhookRejectionChecks.MalformedBody, problem, sha, body.Length);

        try
        {
            var result = await ingestor.StoreAsync(new VerifiedDelivery
            {
                Body = body,
                BodySha256 = sha,
                Webhook = webhook,
                ReceivedMs = receivedMs,
                RemoteAddress = remote,
            }, ct);
            return TypedResults.Ok(new WebhookAck(result.BatchId, result.Events, result.Duplicate));
        }
        catch (IngestUnavailableException)
        {
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Webhook not stored",
                detail: "The console could not store this webhook; retry later.");
        }

        async Task<IResult> RejectAsync(int status, string check, string reason, string? bodySha, long length)
        {
            await ingestor.RecordAsync(new RejectedDelivery
            {
                ReceivedMs = receivedMs,
                RemoteAddress = remote,
                FailedCheck = check,
                Reason = reason.Length > 300 ? reason[..300] : reason,
                Status = status,
                BodySha256 = bodySha,
                BodyLength = length,
            }, ct);
            return TypedResults.Problem(statusCode: status, title: "Webhook rejected", detail: reason,
                extensions: new Dictionary<string, object?> { ["check"] = check });
        }
    }

    /// <summary>The raw body, or null when it exceeds <see cref="MaxBodyBytes"/> (read no further than that).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
            return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBodyBytes;
        try
        {
            var reader = request.BodyReader;
            while (true)
            {
                var read = await reader.ReadAsync(ct);
                if (read.Buffer.Length > MaxBodyBytes)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    return null;
                }
                if (read.IsCompleted)
                {
                    var bytes = read.Buffer.ToArray();
                    reader.AdvanceTo(read.Buffer.End);
                    return bytes;
                }
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    /// <summary>What the library's parse allows but the store and projection cannot take; null when fine.</summary>
    internal static string? Validate(Webhook webhook)
    {
        if (webhook.TimeMs is < 0 or > IWebhookProjection.MaxTimeMs)
            return "time_ms is out of range.";
        if (webhook.Events.Count == 0)
            return "The webhook has no events.";
        for (var i = 0; i < webhook.Events.Count; i++)
        {
            var e = webhook.Events[i];
            if (e.Name.Length > 100)
                return $"Event {i}: the name is longer than 100 characters.";
            if (e.Channel is { Length: > 200 })
                return $"Event {i}: the channel name is longer than 200 characters.";
            if (e.UserId is { Length: > 200 })
                return $"Event {i}: the user_id is longer than 200 characters.";
            var needs = e.Name switch
            {
                WebhookEventNames.ChannelOccupied or WebhookEventNames.ChannelVacated or WebhookEventNames.CacheMiss or WebhookEventNames.ClientEvent
                    => e.Channel is null ? "channel" : null,
                WebhookEventNames.MemberAdded or WebhookEventNames.MemberRemoved
                    => e.Channel is null ? "channel" : e.UserId is null ? "user_id" : null,
                WebhookEventNames.SubscriptionCount
                    => e.Channel is null ? "channel" : e.SubscriptionCount is null ? "subscription_count" : null,
                _ => null, // unknown names are stored as received; Pusher may add kinds
            };
            if (needs is not null)
                return $"Event {i} ({e.Name}) lacks its {needs}.";
        }
        return null;
    }

    private static string CheckName(WebhookFailure failure) => failure switch
    {
        WebhookFailure.MissingKey => WebhookRejectionChecks.MissingKey,
        WebhookFailure.UnknownKey => WebhookRejectionChecks.UnknownKey,
        WebhookFailure.MissingSignature => WebhookRejectionChecks.MissingSignature,
        WebhookFailure.BadSignature => WebhookRejectionChecks.BadSignature,
        _ => WebhookRejectionChecks.MalformedBody,
    };
}

/// <summary>The 200 answer: which stored batch this is, and whether it repeated an earlier delivery.</summary>
public sealed record WebhookAck(long Batch, int Events, bool Duplicate);
