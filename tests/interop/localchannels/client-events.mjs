// pusher-js 8.6.0: client events — delivery, no echo, presence user_id, channel rules and the 10/s rate limit.
import { client, server, connected, subscribe, record, recordNamed, recordErrors, until, main } from './common.mjs';

main(async () => {
  const a = client({ userId: 'alice' });
  const b = client({ userId: 'bob' });
  const burst = client({ userId: 'carl' });
  await Promise.all([connected(a), connected(b), connected(burst)]);
  const errorsA = recordErrors(a), errorsBurst = recordErrors(burst);

  const chatA = (await subscribe(a, 'private-chat')).channel;
  const chatB = (await subscribe(b, 'private-chat')).channel;
  const chatBurst = (await subscribe(burst, 'private-chat')).channel;
  const presA = (await subscribe(a, 'presence-room')).channel;
  const presB = (await subscribe(b, 'presence-room')).channel;
  const pubA = (await subscribe(a, 'public-feed')).channel;
  const seenA = record(chatA), seenB = record(chatB), seenPresB = recordNamed(presB, 'client-wave');

  chatA.trigger('client-hello', { from: 'alice' });
  await until(() => seenB.some(e => e.event === 'client-hello'), 'client-hello at B');
  chatB.trigger('client-ack', { to: 'alice' });
  await until(() => seenA.some(e => e.event === 'client-ack'), 'client-ack at A');

  presA.trigger('client-wave', { hi: true });
  await until(() => seenPresB.some(e => e.event === 'client-wave'), 'client-wave at B');

  // Rules: public channels and unsubscribed channels refuse client events with pusher:error.
  pubA.trigger('client-nope', {});
  a.send_event('client-ghost', {}, 'private-not-mine');
  await until(() => errorsA.length >= 2, 'two pusher:error at A');

  // 15 events in one burst from a fresh connection: 10 pass, the rest get 4301.
  for (let i = 0; i < 15; i++) chatBurst.trigger('client-burst', { i });
  await until(() => errorsBurst.some(e => e.code === 4301), '4301 at burst sender');
  // A server event after the burst: once B has it, every burst event that was relayed has arrived too.
  await server().trigger('private-chat', 'after-burst', {});
  await until(() => seenB.some(e => e.event === 'after-burst'), 'after-burst at B');

  const result = {
    seenA, seenB, seenPresB,
    errorsA, errorsBurst,
    burstDelivered: seenB.filter(e => e.event === 'client-burst').length,
    burstEchoed: record(chatBurst).length,
    socketA: a.connection.socket_id,
    stillConnected: burst.connection.state,
  };
  a.disconnect(); b.disconnect(); burst.disconnect();
  return result;
});
