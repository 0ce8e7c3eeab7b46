// Activity charts (Chart.js) over /EventLog/activity: events per minute by kind, and occupied channels.
// Used by the event log page and the dashboard partial (EventLog/_ActivityChart.cshtml).
(() => {
    'use strict';
    // One colour per kind on every chart and every range, never its position in a legend. The kinds that make most
    // of a log have colours of their own, so they never share one (hashing alone gave channel.auth and
    // webhook.event two near greens); the others are picked from their name among the rest.
    const fixed = {
        'webhook.event': '#6f42c1', 'channel.auth': '#20c997', 'user.auth': '#0dcaf0', 'event.sent': '#0d6efd',
        'signin.succeeded': '#198754', 'signin.failed': '#dc3545', 'signin.lockedout': '#d63384',
    };
    const palette = ['#fd7e14', '#ffc107', '#6c757d', '#795548', '#343a40', '#6610f2'];
    const colour = (kind) => {
        if (fixed[kind]) return fixed[kind];
        let h = 0;
        for (const c of kind) h = (h * 31 + c.charCodeAt(0)) >>> 0;
        return palette[h % palette.length];
    };

    // The charts' text alternative: each kind's total over the range, and the occupied channels at its end.
    const fillTable = (table, data) => {
        const body = table.tBodies[0] || table.createTBody();
        body.replaceChildren(...data.kinds.map((k) => {
            const row = body.insertRow();
            row.insertCell().textContent = k.kind;
            row.insertCell().textContent = String(k.perMinute.reduce((a, b) => a + b, 0));
            return row;
        }));
        const occupied = data.occupiedChannels.length ? data.occupiedChannels[data.occupiedChannels.length - 1] : 0;
        table.caption.textContent = `Events by kind over the range; ${occupied} channel(s) occupied at its end.`;
    };

    const label = (ms, bucketMinutes) => {
        const d = new Date(ms);
        const hm = d.toISOString().slice(11, 16);
        return bucketMinutes >= 120 ? `${d.toISOString().slice(5, 10)} ${hm}` : hm;
    };

    const setup = (section) => {
        const url = section.dataset.activityChart;
        const status = section.querySelector('[data-chart-status]');
        let kindsChart = null;
        let occupiedChart = null;

        const load = async (range) => {
            section.querySelectorAll('[data-range]').forEach((b) => {
                b.classList.toggle('active', b.dataset.range === range);
                b.setAttribute('aria-pressed', String(b.dataset.range === range));
            });
            const response = await fetch(`${url}?range=${encodeURIComponent(range)}`, { headers: { Accept: 'application/json' } });
            if (!response.ok) { status.textContent = `Could not load activity (HTTP ${response.status}).`; return; }
            const data = await response.json();
            const labels = data.buckets.map((b) => label(b, data.bucketMinutes));

            kindsChart?.destroy();
            kindsChart = new Chart(section.querySelector('[data-chart=kinds]'), {
                type: 'bar',
                data: {
                    labels,
                    datasets: data.kinds.map((k) => ({ label: k.kind, data: k.perMinute, backgroundColor: colour(k.kind), stack: 'kinds' })),
                },
                options: {
                    animation: false, maintainAspectRatio: false,
                    scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'per minute' } } },
                    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
                },
            });

            occupiedChart?.destroy();
            occupiedChart = new Chart(section.querySelector('[data-chart=occupied]'), {
                type: 'line',
                data: { labels, datasets: [{ label: 'occupied channels', data: data.occupiedChannels, borderColor: '#0d6efd', stepped: true, pointRadius: 0 }] },
                options: {
                    animation: false, maintainAspectRatio: false,
                    scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
                    plugins: { legend: { display: false } },
                },
            });

            fillTable(section.querySelector('[data-chart-table]'), data);

            const bucket = data.bucketMinutes === 1 ? 'minute' : `${data.bucketMinutes} minutes`;
            status.textContent = data.lastActivityUtc
                ? `One bar per ${bucket} (UTC). Last activity recorded in the minute starting ${data.lastActivityUtc.replace('T', ' ').slice(0, 16)} UTC.`
                : 'No activity recorded yet: the charts fill as sign-ins, sends and webhooks are logged.';
        };

        section.querySelectorAll('[data-range]').forEach((b) => b.addEventListener('click', () => load(b.dataset.range)));
        load('hour');
    };

    const init = () => document.querySelectorAll('[data-activity-chart]').forEach(setup);
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
