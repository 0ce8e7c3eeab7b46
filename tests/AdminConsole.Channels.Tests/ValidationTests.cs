namespace AdminConsole.Channels.Tests;

// Rejection vectors from the official server libraries' tests (Node, PHP, .NET, Python) plus the classification
// rules of channel names, socket ids and options (https://pusher.com/docs/channels/library_auth_reference/pusher-websockets-protocol/).
public class ValidationTests
{
    [Theory]
    [InlineData("1.1:")]
    [InlineData(":1.1")]
    [InlineData(":\n1.1")]
    [InlineData("1.1\n:")]
    [InlineData("444")]
    [InlineData("444.444a")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData(" 1.1")]
    [InlineData("1.1 ")]
    [InlineData("1.")]
    [InlineData(".1")]
    [InlineData("1.1.1")]
    [InlineData("١.١")] // Arabic-Indic digits are \d in .NET regexes but not in Pusher's
    public void Socket_ids_rejected(string? socketId)
    {
        Assert.False(SocketId.IsValid(socketId));
        var e = Assert.Throws<ChannelsValidationException>(() => SocketId.Validate(socketId!));
        Assert.Equal("socket_id", e.Field);
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.Throws<ChannelsValidationException>(() => new SubscriptionSigner("k", "s").AuthorizeChannel(socketId!, "private-a"));
        Assert.Throws<ChannelsValidationException>(() => new SubscriptionSigner("k", "s").AuthenticateUser(socketId!, "u"));
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("1234.1234")]
    [InlineData("44610.7511910")]
    public void Socket_ids_accepted(string socketId)
    {
        Assert.True(SocketId.IsValid(socketId));
        Assert.Equal(socketId, SocketId.Validate(socketId));
    }

    [Theory]
    [InlineData("test_channel:")]
    [InlineData(":test_channel")]
    [InlineData(":\ntest_channel")]
    [InlineData("test_channel\n:")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("private-zoë")]
    [InlineData("a b")]
    [InlineData("#server-to-user-")]
    [InlineData("#other")]
    public void Channel_names_rejected(string? name)
    {
        Assert.False(ChannelName.TryParse(name, out _, out var error));
        Assert.NotNull(error);
        var e = Assert.Throws<ChannelsValidationException>(() => ChannelName.Parse(name!));
        Assert.Equal("channel", e.Field);
        Assert.Throws<ChannelsValidationException>(() => new SubscriptionSigner("k", "s").AuthorizeChannel("1.1", name!));
    }

    [Fact]
    public void Channel_name_length_limit_is_164()
    {
        Assert.True(ChannelName.TryParse(new string('a', 164), out _, out _));
        Assert.False(ChannelName.TryParse(new string('a', 165), out _, out var error));
        Assert.Contains("165", error);
    }

    [Fact]
    public void The_offending_value_is_in_the_message_with_controls_escaped()
    {
        var e = Assert.Throws<ChannelsValidationException>(() => ChannelName.Parse("test_channel\n:"));
        Assert.Contains("\"test_channel\\u000a:\"", e.Message);
        Assert.DoesNotContain("Parameter", e.Message);
        var s = Assert.Throws<ChannelsValidationException>(() => SocketId.Validate("444.444a"));
        Assert.Contains("\"444.444a\"", s.Message);
    }

    [Theory]
    [InlineData("-azAZ9_=@,.;", ChannelKind.Public, false)]
    [InlineData("public", ChannelKind.Public, false)]
    [InlineData("cache-news", ChannelKind.Public, true)]
    [InlineData("private-a", ChannelKind.Private, false)]
    [InlineData("private-cache-a", ChannelKind.Private, true)]
    [InlineData("presence-a", ChannelKind.Presence, false)]
    [InlineData("presence-cache-a", ChannelKind.Presence, true)]
    [InlineData("private-encrypted-a", ChannelKind.PrivateEncrypted, false)]
    [InlineData("private-encrypted-cache-a", ChannelKind.PrivateEncrypted, true)]
    [InlineData("Private-a", ChannelKind.Public, false)]
    [InlineData("private-encryptedx", ChannelKind.Private, false)]
    [InlineData("xprivate-encrypted-a", ChannelKind.Public, false)]
    [InlineData("private-", ChannelKind.Private, false)]
    [InlineData("#server-to-user-42", ChannelKind.ServerToUser, false)]
    public void Channel_kinds(string name, ChannelKind kind, bool cache)
    {
        var parsed = ChannelName.Parse(name);
        Assert.Equal(name, parsed.Value);
        Assert.Equal(name, (string)parsed);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(cache, parsed.IsCache);
        Assert.Equal(kind is ChannelKind.Private or ChannelKind.Presence or ChannelKind.PrivateEncrypted, parsed.RequiresAuthorization);
    }

    [Fact]
    public void Server_to_user_channel_for_a_user()
    {
        Assert.Equal("#server-to-user-abc", ChannelName.ForUser("abc").Value);
        Assert.Throws<ChannelsValidationException>(() => ChannelName.ForUser(""));
        Assert.Throws<ChannelsValidationException>(() => ChannelName.ForUser("a:b"));
        Assert.Throws<ChannelsValidationException>(() => ChannelName.ForUser(new string('1', 129)));
    }

    [Fact]
    public void Master_key_must_be_base64_of_32_bytes()
    {
        Assert.True(ChannelEncryption.TryParseMasterKey(Convert.ToBase64String(new byte[32]), out var key, out _));
        Assert.Equal(32, key.Length);
        foreach (var bad in new[] { Convert.ToBase64String(new byte[31]), Convert.ToBase64String(new byte[33]), "not base64!", "", "   " })
        {
            Assert.False(ChannelEncryption.TryParseMasterKey(bad, out _, out var error));
            var e = Assert.Throws<ChannelsValidationException>(() => ChannelEncryption.ParseMasterKey(bad));
            Assert.Equal("EncryptionMasterKeyBase64", e.Field);
            if (bad.Length > 4) Assert.DoesNotContain(bad, e.Message);
            Assert.NotNull(error);
        }
    }

    [Fact]
    public void Options_report_every_problem_without_secrets()
    {
        var options = new ChannelsOptions { Secret = "", Cluster = "", Scheme = "ftp", Port = 0, Timeout = TimeSpan.Zero, EncryptionMasterKeyBase64 = Convert.ToBase64String(new byte[31]) };
        var problems = options.Validate();
        Assert.Contains(problems, p => p.Contains("AppId"));
        Assert.Contains(problems, p => p.Contains("Key is required"));
        Assert.Contains(problems, p => p.Contains("Secret"));
        Assert.Contains(problems, p => p.Contains("Cluster"));
        Assert.Contains(problems, p => p.Contains("Scheme"));
        Assert.Contains(problems, p => p.Contains("Port"));
        Assert.Contains(problems, p => p.Contains("Timeout"));
        Assert.Contains(problems, p => p.Contains("31 bytes"));
        Assert.Throws<ChannelsValidationException>(options.EnsureValid);

        var secretOnly = new ChannelsOptions { AppId = "1", Key = "k", Secret = "s3cr3t-value", EncryptionMasterKeyBase64 = "s3cr3t-value" };
        Assert.All(secretOnly.Validate(), p => Assert.DoesNotContain("s3cr3t-value", p));
        Assert.NotEmpty(secretOnly.Validate());
    }

    [Fact]
    public void Options_valid_and_host_resolution()
    {
        var cluster = new ChannelsOptions { AppId = "1", Key = "k", Secret = "s" };
        Assert.Empty(cluster.Validate());
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.Timeout);
        Assert.Equal(new Uri("https://api-mt1.pusher.com/"), cluster.GetBaseAddress());
        cluster.Cluster = "eu";
        Assert.Equal(new Uri("https://api-eu.pusher.com/"), cluster.GetBaseAddress());

        var local = new ChannelsOptions { AppId = "1", Key = "k", Secret = "s", Host = "127.0.0.1", Port = 8008, Scheme = "http" };
        Assert.Empty(local.Validate());
        Assert.Equal(new Uri("http://127.0.0.1:8008/"), local.GetBaseAddress());
        Assert.Null(local.GetMasterKey());

        var validator = new ChannelsOptionsValidator();
        Assert.True(validator.Validate(null, local).Succeeded);
        Assert.True(validator.Validate(null, new ChannelsOptions()).Failed);
    }

    [Fact]
    public void Presence_and_user_inputs_are_checked()
    {
        var signer = new SubscriptionSigner("k", "s");
        Assert.Equal("channel", Assert.Throws<ChannelsValidationException>(() => signer.AuthorizePresence("1.1", "private-a", "u")).Field);
        Assert.Equal("user_id", Assert.Throws<ChannelsValidationException>(() => signer.AuthorizePresence("1.1", "presence-a", "")).Field);
        Assert.Equal("user_id", Assert.Throws<ChannelsValidationException>(() => signer.AuthorizePresence("1.1", "presence-a", new string('x', 129))).Field);
        Assert.Equal("id", Assert.Throws<ChannelsValidationException>(() => signer.AuthenticateUser("1.1", "")).Field);
        Assert.Equal("EncryptionMasterKeyBase64", Assert.Throws<ChannelsValidationException>(() => signer.AuthorizeChannel("1.1", "private-encrypted-a")).Field);
        Assert.Throws<ChannelsValidationException>(() => new SubscriptionSigner("k", "s", new byte[16]));
        Assert.Throws<ChannelsValidationException>(() => new SubscriptionSigner("", "s"));
        Assert.Throws<ChannelsValidationException>(() => new RequestSigner("k", ""));
    }

    [Fact]
    public void Presence_without_user_info_omits_it_and_watchlist_is_serialized()
    {
        var signer = new SubscriptionSigner("k", "s");
        Assert.Equal("{\"user_id\":\"7\"}", signer.AuthorizePresence("1.1", "presence-a", "7").ChannelData);
        Assert.Equal("{\"id\":\"7\",\"user_info\":{\"name\":\"Zoë\"},\"watchlist\":[\"8\",\"9\"]}", signer.AuthenticateUser("1.1", "7", new { name = "Zoë" }, ["8", "9"]).UserData);
    }
}
