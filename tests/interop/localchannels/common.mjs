// Shared helpers for the local-server interop scripts. Each script prints one JSON line of observations
// that the C# test asserts on; the scripts themselves judge nothing beyond "did it happen in time".
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PusherJsModule = require('pusher-js');
export const PusherClient = PusherJsModule.default ?? PusherJsModule;
export const PusherServer = require('pusher');

export const env = {
  host: process.env.LC_HOST ?? '127.0.0.1',
  port: Number(process.env.LC_PORT),
  appId: process.env.LC_APP_ID,
  key: process.env.LC_KEY,
  secret: process.env.LC_SECRET,
  authBase: process.env.LC_AUTH_BASE,
  masterKey: process.env.LC_MASTER_KEY,
};

/** A pusher-js client pointed at the local server (the settings a page must render for it). */
export function client({ key = env.key, userId, name, params = {}, watchlist = [] } = {}) {
  return new PusherClient(key, {
    cluster: 'mt1',
    wsHost: env.host,
    wsPort: env.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      endpoint: `${env.authBase}/pusher/auth`,
      transport: 'ajax',
      params: { user_id: userId ?? '', name: name ?? userId ?? '', ...params },
    },
    userAuthentication: {
      endpoint: `${env.authBase}/pusher/user-auth`,
      transport: 'ajax',
      params: { user_id: userId ?? '', watchlist: watchlist.join(',') },
    },
  });
}

/** The official server library pointed at the local server. */
export function server({ secret = env.secret, encrypted = false } = {}) {
  return new PusherServer({
    appId: env.appId,
    key: env.key,
    secret,
    host: env.host,
    port: String(env.port),
    useTLS: false,
    ...(encrypted ? { encryptionMasterKeyBase64: env.masterKey } : {}),
  });
}

/** Resolves when predicate() is true, re-checking on a short interval; rejects with `what` after the timeout. */
export function until(predicate, what, timeoutMs = 8000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      let value;
      try { value = predicate(); } catch (e) { reject(e); return; }
      if (value) { resolve(value); return; }
      if (Date.now() - started > timeoutMs) { reject(new Error('timed out waiting for ' + what)); return; }
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Like until(), for an async probe (e.g. an HTTP API query); resolves with the probe's last value. */
export async function untilAsync(probe, accept, what, timeoutMs = 8000) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for ' + what + ': last ' + JSON.stringify(value));
    await new Promise(r => setTimeout(r, 10));
  }
}

export function connected(p) {
  return new Promise((resolve, reject) => {
    if (p.connection.state === 'connected') { resolve(p.connection.socket_id); return; }
    p.connection.bind('connected', () => resolve(p.connection.socket_id));
    p.connection.bind('failed', () => reject(new Error('connection failed')));
  });
}

/** Subscribes and resolves with {ok:true, data} or {ok:false, error} from pusher-js's own events. */
export function subscribe(p, name) {
  const channel = p.subscribe(name);
  return new Promise(resolve => {
    // members.count is read now: the members object keeps changing after the subscription.
    channel.bind('pusher:subscription_succeeded', data => resolve({ ok: true, channel, data, count: data?.count ?? null }));
    channel.bind('pusher:subscription_error', error => resolve({ ok: false, channel, error }));
  });
}

/** Records every app event a channel delivers, in order (pusher-js's own pusher:* events left out). */
export function record(channel) {
  const events = [];
  channel.bind_global((event, data) => {
    if (event.startsWith('pusher')) return;
    events.push({ event, data, user_id: null });
  });
  return events;
}

/** Records one event name with the metadata pusher-js passes to named bindings (user_id of client events). */
export function recordNamed(channel, name) {
  const events = [];
  channel.bind(name, (data, metadata) => events.push({ event: name, data, user_id: metadata?.user_id ?? null }));
  return events;
}

export function recordErrors(p) {
  const errors = [];
  p.connection.bind('error', e => errors.push({ type: e?.type ?? null, code: e?.data?.code ?? null, message: e?.data?.message ?? null }));
  return errors;
}

export async function main(run) {
  const timer = setTimeout(() => { console.error('script timeout'); process.exit(3); }, 25000);
  try {
    const result = await run();
    console.log(JSON.stringify(result));
    clearTimeout(timer);
    process.exit(0);
  } catch (e) {
    console.error(e?.stack ?? String(e));
    clearTimeout(timer);
    process.exit(1);
  }
}
