// The one way a time is shown (Shared/SchoolTime.cs on the server): the school's zone, named after the time, with
// the exact UTC instant on hover. The zone comes from <html data-time-zone>, set by the layout from School:TimeZone.
(function () {
    'use strict';

    const zone = document.documentElement.dataset.timeZone || 'UTC';
    const parts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    const local = new Intl.DateTimeFormat('en-CA', { ...parts, timeZone: zone });
    const utc = new Intl.DateTimeFormat('en-CA', { ...parts, timeZone: 'UTC' });

    function text(formatter, ms) {
        const p = Object.fromEntries(formatter.formatToParts(new Date(ms)).map(x => [x.type, x.value]));
        return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
    }

    // Fills a <time data-ms> element: text in the school's zone, datetime and title in UTC.
    function fill(el, ms) {
        if (!(ms > 0)) return el;
        el.dataset.ms = String(ms);
        el.dateTime = new Date(ms).toISOString();
        el.title = text(utc, ms) + ' UTC';
        el.textContent = text(local, ms) + ' ' + zone;
        return el;
    }

    function element(ms, className) {
        const t = document.createElement('time');
        if (className) t.className = className;
        return fill(t, Number(ms));
    }

    window.schoolTime = { zone, format: ms => text(local, ms) + ' ' + zone, fill, element };
})();
