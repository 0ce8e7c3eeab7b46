// Event log page: the "Live" switch prepends entries pushed by ConsoleHub (ActivityAppended, a batch of
// ActivityView) that match the page's filter. Rows are built with textContent only: payloads come from outside and must never become HTML.
(() => {
    'use strict';
    // "Hide machine events" applies at once: one click, no "Apply filter".
    document.querySelectorAll('form[data-testid=filter] [data-autosubmit]').forEach((box) =>
        box.addEventListener('change', () => box.form.requestSubmit()));

    const toggle = document.getElementById('live-toggle');
    const status = document.getElementById('live-status');
    const tbody = document.getElementById('log-rows');
    if (!toggle || !tbody || !window.consoleLive) return;

    const filter = JSON.parse(tbody.dataset.liveFilter || '{}');

    const matches = (e) => {
        if (filter.kind && e.kind !== filter.kind) return false;
        // The server matched the user text against people's names and emails (accents ignored) and sent the emails of
        // those it found; the log's own actor text is matched as SQL's LIKE does (case-insensitive).
        if (filter.user && !(filter.actorNames || []).includes(e.actorName)
            && !(e.actorName || '').toLowerCase().includes(filter.user.toLowerCase())) return false;
        if (filter.machineKinds && filter.machineKinds.includes(e.kind)) return false;
        if (filter.event && e.eventName !== filter.event) return false;
        if (filter.outcome && e.outcome !== filter.outcome) return false;
        // The channel filter is a prefix, with or without a trailing *.
        if (filter.channel && !(e.channel || '').startsWith(filter.channel.replace(/\*+$/, ''))) return false;
        if (filter.q && !(e.data || '').toLowerCase().includes(filter.q.toLowerCase())) return false;
        const t = Date.parse(e.timeUtc);
        if (filter.from && t < Date.parse(filter.from + 'Z')) return false;
        if (filter.to && t >= Date.parse(filter.to + 'Z')) return false;
        return true;
    };

    const pretty = (data) => {
        if (!data) return '(no payload)';
        try { return JSON.stringify(JSON.parse(data), null, 2); } catch { return data; }
    };

    const cell = (text, cls, col) => {
        const td = document.createElement('td');
        if (cls) td.className = cls;
        if (col) td.dataset.col = col;
        if (text != null) td.textContent = text;
        return td;
    };

    // New rows show the channel as stored (names come with the next page load); data-channel as on server rows.
    const channelCell = (channel) => {
        const td = cell(channel, 'mono', 'channel');
        if (channel) td.dataset.channel = channel;
        return td;
    };

    // The time as the server renders it (<school-time>): the school's zone, UTC on hover (wwwroot/js/time.js).
    const timeCell = (iso) => {
        const td = cell(null, 'mono text-nowrap', 'time');
        td.append(window.schoolTime.element(Date.parse(iso)));
        return td;
    };

    const outcomeClass = (o) => ({ success: 'text-bg-success', allowed: 'text-bg-success', accepted: 'text-bg-success',
        duplicate: 'text-bg-secondary', 'not-sent': 'text-bg-secondary', corrected: 'text-bg-warning',
        failure: 'text-bg-danger', refused: 'text-bg-danger', rejected: 'text-bg-danger', malformed: 'text-bg-danger' }[o] || 'text-bg-light');

    const prepend = (e) => {
        if (tbody.querySelector(`tr[data-id="${e.id}"]`) || !matches(e)) return;
        const row = document.createElement('tr');
        row.dataset.testid = 'log-row';
        row.setAttribute('data-testid', 'log-row');
        row.dataset.id = e.id;
        row.classList.add('table-info');

        const expandCell = cell(null);
        const expand = document.createElement('button');
        Object.assign(expand, { type: 'button', className: 'btn btn-sm btn-link p-0 text-decoration-none', title: 'Show payload', textContent: '▸' });
        expand.setAttribute('data-bs-toggle', 'collapse');
        expand.setAttribute('data-bs-target', `#payload-${e.id}`);
        expand.setAttribute('data-testid', 'expand');
        expandCell.append(expand);

        const idCell = cell(null, 'mono');
        const link = document.createElement('a');
        link.href = `/EventLog/Entry/${e.id}`;
        link.textContent = e.id;
        link.setAttribute('data-testid', 'permalink');
        idCell.append(link);

        const outcome = cell(null, null, 'outcome');
        if (e.outcome) {
            const badge = document.createElement('span');
            badge.className = `badge ${outcomeClass(e.outcome)}`;
            badge.textContent = e.outcome;
            outcome.append(badge);
        }
        row.append(expandCell, idCell, timeCell(e.timeUtc), cell(e.kind, 'mono', 'kind'),
            cell(e.actorName, null, 'actor'), channelCell(e.channel), cell(e.eventName, 'mono', 'event'), outcome,
            cell(e.target, 'mono small', 'target'));

        const payloadRow = document.createElement('tr');
        payloadRow.className = 'collapse';
        payloadRow.id = `payload-${e.id}`;
        payloadRow.setAttribute('data-testid', 'payload-row');
        const pre = document.createElement('pre');
        pre.className = 'mono small mb-0 p-2 bg-body-tertiary rounded';
        pre.setAttribute('data-testid', 'payload');
        pre.textContent = pretty(e.data);
        const payloadCell = cell(null);
        payloadCell.colSpan = 8;
        payloadCell.append(pre);
        payloadRow.append(cell(null), payloadCell);

        tbody.prepend(row, payloadRow);
        document.querySelector('[data-testid=empty]')?.remove();
    };

    const setStatus = (text) => { status.textContent = text; };

    // The connection is live.js's (with its reconnect back-off); the switch decides whether this page uses it.
    let following = false;
    // Batches arrive oldest first; each prepend puts the newest on top.
    consoleLive.on('ActivityAppended', (batch) => {
        if (!following) return;
        batch.entries.forEach(prepend);
        if (batch.omitted > 0) setStatus(`live · ${batch.omitted} more entries arrived at once: reload to see them all`);
    });
    consoleLive.onState((_, text) => { if (following) setStatus(text); });

    const start = () => {
        following = true;
        return consoleLive.start();
    };

    const stop = () => {
        following = false;
        setStatus('');
        return consoleLive.stop();
    };

    // The switch is remembered in this browser: an auditor who watches the log live finds it live again.
    const remembered = 'eventlog.live';
    const remember = (on) => { try { localStorage.setItem(remembered, on ? 'on' : 'off'); } catch { /* storage off: not remembered */ } };
    toggle.addEventListener('change', () => {
        remember(toggle.checked);
        return toggle.checked ? start() : stop();
    });
    let wasOn = false;
    try { wasOn = localStorage.getItem(remembered) === 'on'; } catch { /* storage off */ }
    // Live only follows the first page (new entries land on top); the switch is disabled on older pages.
    if (wasOn && !toggle.disabled) {
        toggle.checked = true;
        start();
    }
})();
