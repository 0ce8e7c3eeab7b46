// Oracle for AdminConsole.Channels.Tests: reads one JSON batch on stdin, answers with what the official
// npm libraries (pusher 5.3.4, its tweetnacl) compute for every item, as one JSON object on stdout.
// Run once per test class so the suite stays fast; every field of the input is optional.
import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const Pusher = require("pusher")
const nacl = require("tweetnacl")

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"))

const pusherFor = (item) =>
  new Pusher({
    appId: item.appId ?? "1",
    key: item.key,
    secret: item.secret ?? "unused",
    ...(item.masterKeyBase64 ? { encryptionMasterKeyBase64: item.masterKeyBase64 } : {}),
  })

const guard = (fn) => (item) => {
  try {
    return fn(item)
  } catch (e) {
    return { error: String(e && e.message) }
  }
}

const out = {}

// Private and encrypted channel authorization: auth, channel_data (when data given) and shared_secret.
out.private = (input.private ?? []).map(
  guard((i) => pusherFor(i).authorizeChannel(i.socketId, i.channel, i.channelData))
)

// Presence: the library serializes {user_id, user_info} itself with JSON.stringify.
out.presence = (input.presence ?? []).map(
  guard((i) => {
    const data = { user_id: i.userId }
    if (i.userInfo !== undefined && i.userInfo !== null) data.user_info = i.userInfo
    return pusherFor(i).authorizeChannel(i.socketId, i.channel, data)
  })
)

// User sign-in: {id, user_info?, watchlist?}.
out.user = (input.user ?? []).map(
  guard((i) => {
    const data = { id: i.userId }
    if (i.userInfo !== undefined && i.userInfo !== null) data.user_info = i.userInfo
    if (i.watchlist) data.watchlist = i.watchlist
    return pusherFor(i).authenticateUser(i.socketId, data)
  })
)

// Encrypted channels' shared secret (base64 of SHA-256(channel || master key)).
out.shared = (input.shared ?? []).map(
  guard((i) => Buffer.from(pusherFor({ key: "k", ...i }).channelSharedSecret(i.channel)).toString("base64"))
)

// Webhook signatures the npm side computes (Token.sign over the raw body, as Pusher signs webhooks).
out.webhookSign = (input.webhookSign ?? []).map(guard((i) => new Pusher.Token(i.key ?? "k", i.secret).sign(i.body)))

// Webhooks we signed, checked by the npm library's webhook().isValid (extra tokens for rotation).
out.webhookVerify = (input.webhookVerify ?? []).map(
  guard((i) => {
    const hook = pusherFor(i).webhook({
      headers: { "x-pusher-key": i.headerKey, "x-pusher-signature": i.signature, "content-type": "application/json" },
      rawBody: i.body,
    })
    return { valid: hook.isValid(i.extraTokens ?? []), events: hook.isValid(i.extraTokens ?? []) ? hook.getEvents().length : null }
  })
)

// Full signed HTTP API query strings with the clock pinned to the item's timestamp.
const realNow = Date.now
out.query = (input.query ?? []).map(
  guard((i) => {
    Date.now = () => i.timestamp * 1000
    try {
      return pusherFor(i).createSignedQueryString({ method: i.method, path: i.path, params: i.params, body: i.body || undefined })
    } finally {
      Date.now = realNow
    }
  })
)

// Payloads we encrypted, opened with tweetnacl and the npm library's per-channel key.
out.decrypt = (input.decrypt ?? []).map(
  guard((i) => {
    const key = pusherFor({ key: "k", ...i }).channelSharedSecret(i.channel)
    const payload = JSON.parse(i.payload)
    const opened = nacl.secretbox.open(Buffer.from(payload.ciphertext, "base64"), Buffer.from(payload.nonce, "base64"), key)
    return opened === null ? { error: "secretbox.open failed" } : { plaintext: Buffer.from(opened).toString("utf8") }
  })
)

// The npm library's own encrypted trigger payloads (trigger() with post() captured instead of sent).
out.encrypt = []
for (const i of input.encrypt ?? []) {
  try {
    const pusher = pusherFor({ key: "k", ...i })
    let body
    pusher.post = async (options) => {
      body = options.body
      return {}
    }
    await pusher.trigger(i.channel, "ev", i.data)
    out.encrypt.push({ payload: body.data })
  } catch (e) {
    out.encrypt.push({ error: String(e && e.message) })
  }
}

// Whether the library accepts a socket id and channel name at all (its validation, for agreement checks).
out.accepts = (input.accepts ?? []).map((i) => {
  try {
    pusherFor({ key: "k", secret: "s" }).authorizeChannel(i.socketId, i.channel)
    return true
  } catch {
    return false
  }
})

process.stdout.write(JSON.stringify(out))
