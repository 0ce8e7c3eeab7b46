// pusher-js 8.6.0: connect, subscribe to every channel kind through the test's auth endpoint, receive events.
import { client, server, connected, subscribe, record, until, untilAsync, main } from './common.mjs';

main(async () => {
  const a = client({ userId: 'alice', name: 'Alice' });
  const b = client({ userId: 'bob', name: 'Bob' });
  const tamper = client({ userId: 'mallory', params: { tamper: '1' } });
  const [socketA, socketB] = await Promise.all([connected(a), connected(b), connected(tamper)]);

  const pub = await subscribe(a, 'public-news');
  const priv = await subscribe(a, 'private-orders');
  const presA = await subscribe(a, 'presence-lobby');
  const enc = await subscribe(a, 'private-encrypted-secrets');
  const bad = await subscribe(tamper, 'private-orders');
  const forbidden = await subscribe(a, 'private-forbidden');
  const pubB = await subscribe(b, 'public-news');
  const presB = await subscribe(b, 'presence-lobby');

  const eventsPub = record(pub.channel), eventsPriv = record(priv.channel), eventsPres = record(presA.channel), eventsEnc = record(enc.channel);
  const eventsPubB = record(pubB.channel);

  const api = server({ encrypted: true });
  await api.trigger('public-news', 'headline', { title: 'hello' });
  await api.trigger('private-orders', 'order', { id: 7 });
  await api.trigger('presence-lobby', 'announce', 'text only');
  await api.trigger('private-encrypted-secrets', 'secret', { code: 'ąß€' });
  // Excluding the sender: A must not get "skipped", but both get "after".
  await api.trigger('public-news', 'skipped', {}, { socket_id: socketA });
  await api.trigger('public-news', 'after', {});
  await until(() => eventsPub.some(e => e.event === 'after') && eventsPubB.some(e => e.event === 'after') && eventsEnc.length > 0
    && eventsPriv.length > 0 && eventsPres.length > 0, 'all events');

  const members = [];
  presA.channel.members.each(m => members.push({ id: m.id, info: m.info }));
  const membersBeforeB = presA.count;

  a.unsubscribe('public-news');
  const info = () => api.get({ path: '/channels/public-news', params: { info: 'subscription_count' } }).then(r => r.json());
  const count = (await untilAsync(info, r => r.subscription_count === 1, 'public-news down to one subscriber')).subscription_count;

  const result = {
    socketA, socketB,
    subscribed: { pub: pub.ok, priv: priv.ok, pres: presA.ok, enc: enc.ok, pubB: pubB.ok, presB: presB.ok },
    tampered: bad.ok ? null : bad.error,
    forbidden: forbidden.ok ? null : forbidden.error,
    presence: { countAtSubscribe: membersBeforeB, me: presA.channel.members.me, members, countSeenByB: presB.count },
    eventsPub, eventsPubB, eventsPriv, eventsPres, eventsEnc,
    subscriptionCountAfterUnsubscribe: count,
  };
  a.disconnect(); b.disconnect(); tamper.disconnect();
  return result;
});
