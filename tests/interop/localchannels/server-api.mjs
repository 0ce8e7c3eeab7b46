// The official npm `pusher` 5.3.4 library against the local server's HTTP API.
import { env, server, main } from './common.mjs';

async function call(fn) {
  try {
    const response = await fn();
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  } catch (e) {
    return { status: e.status ?? null, error: e.body ?? String(e) };
  }
}

main(async () => {
  const pusher = server();
  const wrong = server({ secret: env.secret + '-wrong' });
  return {
    trigger: await call(() => pusher.trigger('news', 'greeting', { hello: 'world' })),
    triggerInfo: await call(() => pusher.trigger(['presence-room'], 'counted', { n: 1 }, { info: 'user_count,subscription_count' })),
    triggerMany: await call(() => pusher.trigger(['news', 'presence-room'], 'fanned', 'plain text')),
    batch: await call(() => pusher.triggerBatch([
      { channel: 'news', name: 'batched-1', data: { i: 1 } },
      { channel: 'presence-room', name: 'batched-2', data: { i: 2 } },
    ])),
    channels: await call(() => pusher.get({ path: '/channels' })),
    presenceChannels: await call(() => pusher.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })),
    userCountWithoutPrefix: await call(() => pusher.get({ path: '/channels', params: { info: 'user_count' } })),
    channelInfo: await call(() => pusher.get({ path: '/channels/news', params: { info: 'subscription_count' } })),
    presenceInfo: await call(() => pusher.get({ path: '/channels/presence-room', params: { info: 'user_count' } })),
    emptyChannel: await call(() => pusher.get({ path: '/channels/nobody-here' })),
    users: await call(() => pusher.get({ path: '/channels/presence-room/users' })),
    usersOfPublic: await call(() => pusher.get({ path: '/channels/news/users' })),
    wrongSecretTrigger: await call(() => wrong.trigger('news', 'never', {})),
    wrongSecretGet: await call(() => wrong.get({ path: '/channels' })),
  };
});
