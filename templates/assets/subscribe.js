// Progressive enhancement for the subscribe and preferences forms. Both work
// without it: this only prefills the time zone, hides the weekday for daily
// digests and previews the papers the topics match.
(function () {
  'use strict';

  // After a failed submit, take keyboard and screen-reader users to the first field to fix.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();

  var zoneSelect = document.getElementById('timezone');
  if (zoneSelect && zoneSelect.getAttribute('data-user-set') !== 'true' && zoneSelect.value === 'UTC') {
    var zone = '';
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      zone = '';
    }
    if (zone && zone !== 'UTC') {
      var known = Array.prototype.some.call(zoneSelect.options, function (option) {
        return option.value === zone;
      });
      if (!known) {
        // The browser may spell a zone differently from the server's list
        // (Asia/Kolkata, Asia/Calcutta); the server accepts either.
        var option = document.createElement('option');
        option.value = zone;
        option.textContent = zone;
        zoneSelect.appendChild(option);
      }
      zoneSelect.value = zone;
    }
  }

  var weekly = document.querySelector('[data-weekly-only]');
  var frequencies = document.querySelectorAll('input[name="frequency"]');
  function showWeekday() {
    var checked = document.querySelector('input[name="frequency"]:checked');
    if (weekly) weekly.hidden = !checked || checked.value !== 'weekly';
  }
  Array.prototype.forEach.call(frequencies, function (input) {
    input.addEventListener('change', showWeekday);
  });
  showWeekday();

  var topics = document.getElementById('topics');
  var preview = document.querySelector('.preview');
  var list = document.getElementById('preview-list');
  var status = document.getElementById('preview-status');
  if (!topics || !preview || !list || !status || !window.fetch) return;

  var timer = null;
  var latest = 0;
  // Which other names the topics were widened with ("PEFT → parameter-efficient
  // fine-tuning"), so the reader sees what their topic will catch.
  var expanded = document.createElement('p');
  expanded.className = 'hint';
  expanded.id = 'preview-expansions';
  list.parentNode.insertBefore(expanded, list);

  function text(tag, value, className) {
    var node = document.createElement(tag);
    // textContent, never innerHTML: titles come from outside and may hold markup.
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function show(papers) {
    list.textContent = '';
    var seen = [];
    papers.forEach(function (paper) {
      (paper.expansions || []).forEach(function (expansion) {
        if (seen.indexOf(expansion) === -1) seen.push(expansion);
      });
    });
    expanded.textContent = seen.length ? 'Also looking for: ' + seen.join('; ') : '';
    papers.forEach(function (paper) {
      var item = document.createElement('li');
      if (paper.url) {
        var link = text('a', paper.title);
        link.href = paper.url;
        link.rel = 'noopener';
        link.target = '_blank';
        item.appendChild(link);
      } else {
        item.appendChild(text('span', paper.title));
      }
      var meta = [];
      if (paper.upvotes !== null && paper.upvotes !== undefined) meta.push(paper.upvotes + ' upvotes');
      if (paper.matched && paper.matched.length) meta.push('matched: ' + paper.matched.join(', '));
      if (paper.expansions && paper.expansions.length) meta.push('via ' + paper.expansions.join('; '));
      if (meta.length) item.appendChild(text('span', meta.join(' · '), 'meta'));
      list.appendChild(item);
    });
    status.textContent = papers.length ? '' : 'No recent paper matches these topics yet. You will get papers when new ones do.';
  }

  function update() {
    var value = topics.value.trim();
    if (!value) {
      preview.hidden = true;
      return;
    }
    var request = ++latest;
    var url = '/api/matches?limit=5&topics=' + encodeURIComponent(value);
    fetch(url, { headers: { accept: 'application/json' } })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (request !== latest) return;
        preview.hidden = false;
        if (result.ok) {
          show(result.body);
        } else {
          list.textContent = '';
          expanded.textContent = '';
          status.textContent = result.body && result.body.message ? result.body.message : 'These topics cannot be previewed.';
        }
      })
      .catch(function () {
        if (request !== latest) return;
        preview.hidden = false;
        list.textContent = '';
        expanded.textContent = '';
        status.textContent = 'The preview is not available right now; you can still subscribe.';
      });
  }

  topics.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
  if (topics.value.trim()) update();
})();
