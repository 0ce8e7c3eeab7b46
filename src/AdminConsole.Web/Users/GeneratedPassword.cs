using System.Security.Cryptography;

namespace AdminConsole.Web.Users;

/// <summary>
/// Initial passwords an administrator can hand over: 4 groups of 5 characters without look-alikes (0/O, 1/l/I),
/// about 113 bits of entropy, and always meeting Identity's rules (upper, lower, digit, non-alphanumeric).
/// </summary>
public static class GeneratedPassword
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    public static string Create()
    {
        while (true)
        {
            var chars = new char[23];
            for (var i = 0; i < chars.Length; i++)
                chars[i] = i % 6 == 5 ? '-' : Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            var candidate = new string(chars);
            if (candidate.Any(char.IsUpper) && candidate.Any(char.IsLower) && candidate.Any(char.IsDigit))
                return candidate;
        }
    }
}
