using System.Net;

namespace AdminConsole.Channels;

/// <summary>Base of the errors raised when talking to the Channels HTTP API.</summary>
public abstract class ChannelsException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected ChannelsException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The API answered with a non-success status; <see cref="Body"/> is its plain-text answer.</summary>
public class ChannelsApiException : ChannelsException
{
    /// <summary>Creates the exception; <paramref name="body"/> must already be free of secrets.</summary>
    public ChannelsApiException(HttpStatusCode statusCode, string body, string message) : base(message)
    {
        StatusCode = statusCode;
        Body = body;
    }

    /// <summary>The HTTP status the API answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The response body (Pusher sends plain text, e.g. <c>Invalid signature: …</c>).</summary>
    public string Body { get; }

    internal static ChannelsApiException Create(HttpStatusCode status, string body, string operation)
    {
        var code = (int)status;
        var shown = body.Length > 500 ? body[..500] + "…" : body;
        var message = $"Pusher API answered {code} {status} to {operation}: {shown}";
        return code switch
        {
            400 => new ChannelsBadRequestException(body, message),
            401 => new ChannelsAuthenticationException(body, message),
            403 => new ChannelsForbiddenException(body, message),
            413 => new ChannelsPayloadTooLargeException(body, message),
            >= 500 => new ChannelsServerErrorException(status, body, message),
            _ => new ChannelsApiException(status, body, message),
        };
    }
}

/// <summary>400: the API rejected the request's parameters.</summary>
public sealed class ChannelsBadRequestException(string body, string message) : ChannelsApiException(HttpStatusCode.BadRequest, body, message);

/// <summary>401: bad signature, unknown key or clock skew (check key/secret pairing and the server clock).</summary>
public sealed class ChannelsAuthenticationException(string body, string message) : ChannelsApiException(HttpStatusCode.Unauthorized, body, message);

/// <summary>403: the app is disabled or over its message quota.</summary>
public sealed class ChannelsForbiddenException(string body, string message) : ChannelsApiException(HttpStatusCode.Forbidden, body, message);

/// <summary>413: the event data is over Pusher's size limit.</summary>
public sealed class ChannelsPayloadTooLargeException(string body, string message) : ChannelsApiException(HttpStatusCode.RequestEntityTooLarge, body, message);

/// <summary>5xx: the API failed; retrying later may succeed.</summary>
public sealed class ChannelsServerErrorException(HttpStatusCode statusCode, string body, string message) : ChannelsApiException(statusCode, body, message);

/// <summary>The API could not be reached or did not answer in time (not raised for caller cancellation).</summary>
public sealed class ChannelsUnreachableException(string message, Exception? inner = null) : ChannelsException(message, inner);
