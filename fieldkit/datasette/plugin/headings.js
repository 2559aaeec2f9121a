(function () {
  var headings = __HEADINGS__;
  document.querySelectorAll("th[data-column]").forEach(function (th) {
    var name = th.getAttribute("data-column");
    var text = headings[name];
    if (!text) { return; }
    th.setAttribute("title", name);
    var target = th.querySelector("a") || th.querySelector("span") || th;
    target.textContent = text;
    th.style.minWidth = "12em";
    th.style.whiteSpace = "normal";
  });
  // the column glossary: folded away, one click to open
  var glossary = document.querySelector("dl.column-descriptions");
  if (glossary) {
    var details = document.createElement("details");
    details.className = "fieldkit-glossary";
    var summary = document.createElement("summary");
    summary.textContent = "Column glossary (" + glossary.querySelectorAll("dt").length + " columns)";
    details.appendChild(summary);
    glossary.parentNode.insertBefore(details, glossary);
    details.appendChild(glossary);
  }
})();
