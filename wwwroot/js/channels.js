// Channels list and channel detail: rows and state follow ChannelsChanged; the detail page also follows
// PresenceChanged (its members) and WebhookEventsReceived (its recent events). Text only, never HTML from data.
(function () {
    'use strict';

    function badge(occupied) {
        const b = document.createElement('span');
        b.className = 'badge ' + (occupied ? 'text-bg-success' : 'text-bg-secondary');
        b.textContent = occupied ? 'occupied' : 'vacated';
        return b;
    }

    function fill(container, c) {
        const set = (col, ...nodes) => { const el = container.querySelector(`[data-col="${col}"]`); if (el) el.replaceChildren(...nodes); };
        set('state', badge(c.occupied));
        set('since', ...(c.occupiedSinceMs ? [consoleLive.timeElement(c.occupiedSinceMs)] : []));
        set('subscriptions', c.subscriptionCount != null ? String(c.subscriptionCount) : c.kind === 'presence' ? '' : notReported());
        set('members', c.kind === 'presence' ? String(c.userCount) : '');
        set('kind', c.kind);
        set('last', (c.lastEventName || '') + ' ', consoleLive.timeElement(c.lastEventMs, 'small text-body-secondary'));
    }

    function notReported() {
        const s = document.createElement('span');
        s.className = 'text-body-secondary';
        s.title = 'Not reported: Pusher sends subscription counts only when subscription counting is enabled for the app';
        s.textContent = '–';
        return s;
    }

    function newRow(c) {
        const tr = document.createElement('tr');
        tr.dataset.channel = c.channel;
        const link = document.createElement('a');
        link.href = '/Channels/Detail?name=' + encodeURIComponent(c.channel);
        link.className = 'text-break';
        link.textContent = c.channel;
        const first = document.createElement('td');
        first.append(link);
        if (c.label) {
            const label = document.createElement('div');
            label.className = 'small text-body-secondary';
            label.dataset.col = 'label';
            label.textContent = c.label;
            first.append(label);
        }
        tr.append(first);
        for (const col of ['kind', 'state', 'since', 'subscriptions', 'members', 'last']) {
            const td = document.createElement('td');
            td.dataset.col = col;
            if (col === 'subscriptions' || col === 'members') td.className = 'text-end';
            tr.append(td);
        }
        return tr;
    }

    const list = document.querySelector('table[data-testid="channels"]');
    const detail = document.querySelector('[data-testid="channel-state"]');

    consoleLive.on('ChannelsChanged', channels => {
        for (const c of channels) {
            if (list) {
                const kind = list.dataset.filterKind, prefix = list.dataset.filterPrefix, state = list.dataset.filterState;
                if ((kind && c.kind !== kind) || (prefix && !c.channel.startsWith(prefix))) continue;
                let row = [...list.tBodies[0].rows].find(r => r.dataset.channel === c.channel);
                // A channel that leaves the chosen state leaves the list (vacated ones are hidden by default).
                if ((state === 'occupied' && !c.occupied) || (state === 'vacated' && c.occupied)) {
                    row?.remove();
                    if (!list.tBodies[0].rows.length) document.querySelector('[data-testid="no-channels"]')?.classList.remove('d-none');
                    continue;
                }
                if (!row) {
                    row = newRow(c);
                    list.tBodies[0].prepend(row);
                    document.querySelector('[data-testid="no-channels"]')?.classList.add('d-none');
                }
                fill(row, c);
            }
            if (detail && detail.dataset.channel === c.channel) fill(detail, c);
        }
    });

    const members = document.querySelector('[data-testid="members"]');
    consoleLive.on('PresenceChanged', changes => {
        if (!members) return;
        for (const m of changes) {
            if (m.channel !== members.dataset.presenceChannel) continue;
            [...members.children].find(li => li.dataset.userId === m.userId)?.remove();
            if (m.present) members.append(consoleLive.memberItem(m));
        }
    });

    const events = document.querySelector('table[data-testid="events"]');
    consoleLive.on('WebhookEventsReceived', batch => {
        if (!events) return;
        for (const e of batch.events) {
            if (e.channel !== events.dataset.channel) continue;
            const tr = document.createElement('tr');
            tr.dataset.eventId = String(e.id);
            const cells = [consoleLive.timeElement(e.receivedMs), String(e.timeMs), e.name, e.userId || '', e.eventName || ''];
            for (const value of cells) { const td = document.createElement('td'); td.append(value); tr.append(td); }
            events.tBodies[0].prepend(tr);
        }
        while (events.tBodies[0].rows.length > 50) events.tBodies[0].lastElementChild.remove();
    });
})();
