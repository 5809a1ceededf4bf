/* A box that scrolls sideways (a wide display formula or table) says so: data-more="left", "right" or
 * "left right" names the sides where part of it is hidden, and site.css fades the box out on those sides.
 * On phones the scrollbars only show while scrolling, so without this a cut formula looks complete.
 * Updated when the page has loaded, when MathJax has typeset it, when the window or the page changes,
 * and when a box is scrolled. Loaded on every page (_config.yml: html_js_files).
 */
(function () {
  "use strict";
  var BOXES = [
    "div.math mjx-container[display='true']",
    ".pst-scrollable-table-container",
    "div.cell_output div.output.text_html"
  ].join(", ");

  function mark(box) {
    var hidden = box.scrollWidth - box.clientWidth;
    var more = [];
    if (hidden > 1) {
      if (box.scrollLeft > 1) more.push("left");
      if (box.scrollLeft < hidden - 1) more.push("right");
    }
    var value = more.join(" ");
    if (value) {
      if (box.getAttribute("data-more") !== value) box.setAttribute("data-more", value);
    } else if (box.hasAttribute("data-more")) {
      box.removeAttribute("data-more");
    }
  }

  function update() {
    document.querySelectorAll(BOXES).forEach(mark);
  }

  var pending = null;
  function later() {
    clearTimeout(pending);
    pending = setTimeout(update, 100);
  }

  document.addEventListener("scroll", function (event) {
    var box = event.target;
    if (box && box.nodeType === 1 && box.matches(BOXES)) mark(box);
  }, true);
  window.addEventListener("resize", later);
  window.addEventListener("load", function () {
    update();
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(update);
  });
  document.addEventListener("DOMContentLoaded", function () {
    update();
    var article = document.querySelector("article") || document.body;
    new MutationObserver(later).observe(article, {childList: true, subtree: true});
  });
})();
