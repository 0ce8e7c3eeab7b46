// Activity charts (Chart.js) over /EventLog/activity: events per minute by kind, and occupied channels.
// Used by the event log page and the dashboard partial (EventLog/_ActivityChart.cshtml).
(() => {
    'use strict';
    const palette = ['#0d6efd', '#198754', '#dc3545', '#fd7e14', '#6f42c1', '#20c997', '#d63384', '#6c757d', '#0dcaf0', '#ffc107'];

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
            section.querySelectorAll('[data-range]').forEach((b) => b.classList.toggle('active', b.dataset.range === range));
            const response = await fetch(`${url}?range=${encodeURIComponent(range)}`, { headers: { Accept: 'application/json' } });
            if (!response.ok) { status.textContent = `Could not load activity (HTTP ${response.status}).`; return; }
            const data = await response.json();
            const labels = data.buckets.map((b) => label(b, data.bucketMinutes));

            kindsChart?.destroy();
            kindsChart = new Chart(section.querySelector('[data-chart=kinds]'), {
                type: 'bar',
                data: {
                    labels,
                    datasets: data.kinds.map((k, i) => ({ label: k.kind, data: k.perMinute, backgroundColor: palette[i % palette.length], stack: 'kinds' })),
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
