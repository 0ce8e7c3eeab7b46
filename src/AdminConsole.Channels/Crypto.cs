using System.Security.Cryptography;
using System.Text;

namespace AdminConsole.Channels;

// The hash primitives every Pusher signature is made of, in one place.
internal static class Crypto
{
    public static string HmacHex(string secret, string message) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));

    public static string HmacHex(string secret, ReadOnlySpan<byte> message) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));

#pragma warning disable CA5351 // MD5 is what Pusher's protocol prescribes for body_md5; it is a checksum, not a security boundary.
    public static string Md5Hex(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(MD5.HashData(body));
#pragma warning restore CA5351

    // Compares the ASCII hex strings without an early exit, so timing does not reveal how much of a signature matched.
    public static bool FixedTimeEquals(string expected, string? actual)
    {
        if (actual is null) return false;
        var a = Encoding.UTF8.GetBytes(expected);
        var b = Encoding.UTF8.GetBytes(actual);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
