// Progressive enhancement for the subscribe and preferences forms. Both work
// without it: this only prefills the time zone, adds a search box to the zone
// list, hides the weekday for daily digests and previews the papers the
// topics match.
(function () {
  'use strict';

  // After a failed submit, take keyboard and screen-reader users to the first field to fix.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();

  var zoneSelect = document.getElementById('timezone');

  // The option for a zone name, whether the browser spells it the current way or an older one (Asia/Calcutta).
  function zoneOption(zone) {
    return Array.prototype.find.call(zoneSelect.options, function (option) {
      return option.value === zone || (option.getAttribute('data-aliases') || '').split(' ').indexOf(zone) !== -1;
    });
  }

  if (zoneSelect && zoneSelect.getAttribute('data-user-set') !== 'true' && zoneSelect.value === 'UTC') {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      zone = '';
    }
    if (zone && zone !== 'UTC') {
      var match = zoneOption(zone);
      if (!match) {
        // A zone the server's list lacks; the server checks it on submit like any other.
        match = document.createElement('option');
        match.value = zone;
        match.textContent = zone;
        zoneSelect.appendChild(match);
      }
      zoneSelect.value = match.value;
    }
  }

  // A search box that narrows the long zone list as the reader types a city, a region or an offset.
  if (zoneSelect) {
    var zones = Array.prototype.map.call(zoneSelect.options, function (option) {
      var aliases = option.getAttribute('data-aliases') || '';
      return { value: option.value, label: option.textContent, aliases: aliases, text: normal(option.value + ' ' + option.textContent + ' ' + aliases) };
    });
    var searchLabel = document.createElement('label');
    searchLabel.htmlFor = 'timezone-search';
    searchLabel.className = 'sub-label';
    searchLabel.textContent = 'Search the list';
    var search = document.createElement('input');
    search.type = 'search';
    search.id = 'timezone-search';
    search.autocomplete = 'off';
    search.placeholder = 'A city or an offset, such as Kolkata or +05:30';
    search.setAttribute('aria-controls', 'timezone');
    search.setAttribute('aria-describedby', 'timezone-count');
    var count = document.createElement('p');
    count.className = 'hint';
    count.id = 'timezone-count';
    count.setAttribute('aria-live', 'polite');
    zoneSelect.parentNode.insertBefore(searchLabel, zoneSelect);
    zoneSelect.parentNode.insertBefore(search, zoneSelect);
    zoneSelect.parentNode.insertBefore(count, zoneSelect.nextSibling);

    search.addEventListener('input', function () {
      var words = normal(search.value).split(' ').filter(Boolean);
      var found = zones.filter(function (zone) {
        return words.every(function (word) {
          return zone.text.indexOf(word) !== -1;
        });
      });
      var shown = found.length ? found : zones;
      var current = zoneSelect.value;
      zoneSelect.textContent = '';
      shown.forEach(function (zone) {
        var option = document.createElement('option');
        option.value = zone.value;
        option.textContent = zone.label;
        if (zone.aliases) option.setAttribute('data-aliases', zone.aliases);
        zoneSelect.appendChild(option);
      });
      // What is left in view is what a submit sends, so the first match is chosen when the old choice is filtered out.
      var kept = shown.some(function (zone) {
        return zone.value === current;
      });
      zoneSelect.value = kept ? current : shown[0].value;
      zoneSelect.setAttribute('data-user-set', 'true');
      if (!words.length) count.textContent = '';
      else if (!found.length) count.textContent = 'No time zone matches that; the whole list is shown.';
      else count.textContent = found.length === 1 ? '1 time zone matches: ' + found[0].label + '.' : found.length + ' time zones match.';
    });
  }

  function normal(value) {
    return value.toLowerCase().replace(/[\s_/()]+/g, ' ');
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

  var topicsField = topics.parentNode;

  // The topics' one error box, shared with the server's: a preview error replaces it rather than repeating it.
  function topicError(message) {
    var box = document.getElementById('topics-error');
    if (!message) {
      if (box) box.parentNode.removeChild(box);
      topics.removeAttribute('aria-invalid');
      topics.setAttribute('aria-describedby', 'topics-hint');
      return;
    }
    if (!box) {
      box = document.createElement('div');
      box.className = 'field-error';
      box.id = 'topics-error';
      topicsField.appendChild(box);
    }
    box.textContent = '';
    message.split('\n').forEach(function (line) {
      var item = document.createElement('p');
      var mark = text('span', '⚠ ');
      mark.setAttribute('aria-hidden', 'true');
      item.appendChild(mark);
      item.appendChild(document.createTextNode(line));
      box.appendChild(item);
    });
    topics.setAttribute('aria-invalid', 'true');
    topics.setAttribute('aria-describedby', 'topics-hint topics-error');
  }

  function when(paper) {
    var value = paper.publishedAt || paper.ingestedAt;
    var date = value ? new Date(value) : null;
    if (!date || isNaN(date.getTime())) return null;
    var node = text('time', (paper.publishedAt ? '' : 'added ') + date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }));
    node.setAttribute('datetime', value);
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
      var href = paper.url || paper.pdfUrl || paper.codeUrl || paper.projectUrl;
      if (href) {
        var link = text('a', paper.title);
        link.href = href;
        link.rel = 'noopener';
        link.target = '_blank';
        item.appendChild(link);
      } else {
        item.appendChild(text('span', paper.title));
      }
      var meta = text('span', '', 'meta');
      var date = when(paper);
      if (date) meta.appendChild(date);
      var rest = [];
      if (paper.upvotes !== null && paper.upvotes !== undefined) rest.push(paper.upvotes === 1 ? '1 upvote' : paper.upvotes + ' upvotes');
      if (paper.matched && paper.matched.length) rest.push('matched: ' + paper.matched.join(', '));
      if (paper.expansions && paper.expansions.length) rest.push('via ' + paper.expansions.join('; '));
      if (rest.length) meta.appendChild(document.createTextNode((date ? ' · ' : '') + rest.join(' · ')));
      if (meta.childNodes.length) item.appendChild(meta);
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
        var message = result.body && result.body.message ? result.body.message : 'These topics cannot be previewed.';
        if (result.ok) {
          topicError('');
          preview.hidden = false;
          show(result.body);
        } else if (result.body && result.body.field === 'topics' && result.body.statusCode === 400) {
          // A topic that cannot be saved: said once, beside the field, as the server says it after a submit.
          preview.hidden = true;
          topicError(message);
        } else {
          // Too broad to preview, say: the topics can still be saved, so this is a note, not an error.
          topicError('');
          preview.hidden = false;
          list.textContent = '';
          expanded.textContent = '';
          status.textContent = message;
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
