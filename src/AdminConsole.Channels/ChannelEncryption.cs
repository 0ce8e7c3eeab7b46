using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sodium;

namespace AdminConsole.Channels;

/// <summary>End-to-end encryption of <c>private-encrypted-</c> channels: per-channel key and NaCl secretbox payloads, compatible with pusher-js and the Node/Go/PHP/Python libraries.</summary>
public static class ChannelEncryption
{
    /// <summary>Length of the master key and of the per-channel key.</summary>
    public const int KeyLength = 32;

    /// <summary>Length of a secretbox nonce.</summary>
    public const int NonceLength = 24;

    /// <summary>The per-channel key: SHA-256(UTF-8 channel name ‖ master key). This is not PusherServer's HMAC variant, which pusher-js peers cannot use.</summary>
    public static byte[] SharedSecret(string channel, ReadOnlySpan<byte> masterKey)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var name = Encoding.UTF8.GetBytes(channel);
        var input = new byte[name.Length + masterKey.Length];
        name.CopyTo(input, 0);
        masterKey.CopyTo(input.AsSpan(name.Length));
        return SHA256.HashData(input);
    }

    /// <summary>The per-channel key as base64, the <c>shared_secret</c> of an authorization response.</summary>
    public static string SharedSecretBase64(string channel, ReadOnlySpan<byte> masterKey) => Convert.ToBase64String(SharedSecret(channel, masterKey));

    /// <summary>Encrypts <paramref name="data"/> (its UTF-8 bytes, as is) for <paramref name="channel"/> into <c>{"nonce":…,"ciphertext":…}</c> with a fresh random nonce.</summary>
    /// <remarks>The data string is encrypted unchanged, so pusher-js sees after decryption what it would have seen unencrypted.</remarks>
    public static string Encrypt(string channel, string data, ReadOnlySpan<byte> masterKey)
    {
        ArgumentNullException.ThrowIfNull(data);
        EnsureMasterKey(masterKey);
        var key = SharedSecret(channel, masterKey);
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var ciphertext = SecretBox.Create(Encoding.UTF8.GetBytes(data), nonce, key);
        return FormatPayload(Convert.ToBase64String(nonce), Convert.ToBase64String(ciphertext));
    }

    /// <summary>The payload layout: nonce first, then ciphertext (Poly1305 tag followed by the encrypted bytes).</summary>
    public static string FormatPayload(string nonceBase64, string ciphertextBase64) =>
        "{\"nonce\":" + JsJson.Quote(nonceBase64) + ",\"ciphertext\":" + JsJson.Quote(ciphertextBase64) + "}";

    /// <summary>Decrypts a <c>{"nonce","ciphertext"}</c> payload of <paramref name="channel"/> with the master key.</summary>
    /// <exception cref="CryptographicException">The payload is malformed or does not authenticate with this key.</exception>
    public static string Decrypt(string channel, string payload, ReadOnlySpan<byte> masterKey) =>
        DecryptWithSharedSecret(payload, SharedSecret(channel, masterKey));

    /// <summary>Decrypts a payload with the per-channel key itself (what a subscriber holds).</summary>
    /// <exception cref="CryptographicException">The payload is malformed or does not authenticate with this key.</exception>
    public static string DecryptWithSharedSecret(string payload, byte[] sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (sharedSecret.Length != KeyLength) throw new CryptographicException($"The shared secret must be {KeyLength} bytes.");
        byte[] nonce, ciphertext;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            nonce = Convert.FromBase64String(doc.RootElement.GetProperty("nonce").GetString() ?? string.Empty);
            ciphertext = Convert.FromBase64String(doc.RootElement.GetProperty("ciphertext").GetString() ?? string.Empty);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CryptographicException("The encrypted payload is not {\"nonce\",\"ciphertext\"} with base64 values.", e);
        }
        if (nonce.Length != NonceLength) throw new CryptographicException($"The nonce must be {NonceLength} bytes.");
        if (ciphertext.Length < 16) throw new CryptographicException("The ciphertext is shorter than its authentication tag.");
        try
        {
            return Encoding.UTF8.GetString(SecretBox.Open(ciphertext, nonce, sharedSecret));
        }
        catch (Exception e) when (e is not CryptographicException)
        {
            throw new CryptographicException("The encrypted payload did not authenticate with this channel's key.", e);
        }
    }

    /// <summary>Decodes a base64 master key, which must be exactly 32 bytes.</summary>
    /// <exception cref="ChannelsValidationException">Not base64, or not 32 bytes (the message gives the length, never the key).</exception>
    public static byte[] ParseMasterKey(string? base64)
    {
        if (!TryParseMasterKey(base64, out var key, out var error)) throw new ChannelsValidationException("EncryptionMasterKeyBase64", error);
        return key;
    }

    /// <summary>Decodes a base64 master key; on failure <paramref name="error"/> says why without showing the key.</summary>
    public static bool TryParseMasterKey(string? base64, [NotNullWhen(true)] out byte[]? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(base64))
        {
            error = "The encryption master key is empty.";
            return false;
        }
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written))
        {
            error = "The encryption master key is not valid base64.";
            return false;
        }
        if (written != KeyLength)
        {
            error = $"The encryption master key must decode to {KeyLength} bytes, but it decodes to {written} bytes.";
            return false;
        }
        key = buffer[..written];
        error = null;
        return true;
    }

    private static void EnsureMasterKey(ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != KeyLength) throw new ChannelsValidationException("masterKey", $"The encryption master key must be {KeyLength} bytes, not {masterKey.Length}.");
    }
}
