/* Search results: snippets show formulas as text, not LaTeX (loaded on the search page only; book/_ext/site_theme.py).
 *
 * Sphinx cuts each snippet from the result page's HTML (Search.htmlToText), where the
 * formulas are still TeX source ("\[ ... \]", "\(p_2^2 c^2\)"): MathJax typesets them
 * only on the page itself. This wraps htmlToText: a display formula becomes
 * "[formula]", an inline one readable text (p₂²c², λ → 0, n/d).
 */
(function () {
  "use strict";
  // searchtools.js declares `const Search` at the top level of a classic script: a global binding, not window.Search
  var search = typeof Search !== "undefined" ? Search : undefined; // eslint-disable-line no-undef
  if (!search || typeof search.htmlToText !== "function" || search.htmlToText.collapseMath) return;

  var SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η",
    theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "ϕ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ",
    Omega: "Ω", to: "→", rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", mapsto: "↦", infty: "∞",
    le: "≤", leq: "≤", ge: "≥", geq: "≥", approx: "≈", simeq: "≃", sim: "∼", neq: "≠", ne: "≠",
    times: "×", cdot: "·", pm: "±", ll: "≪", gg: "≫", in: "∈", notin: "∉", subset: "⊂", sum: "Σ",
    prod: "∏", int: "∫", partial: "∂", nabla: "∇", propto: "∝", ldots: "…", dots: "…", cdots: "⋯",
    star: "⋆", ast: "∗", top: "ᵀ", mid: "|", vert: "|", lVert: "‖", rVert: "‖", Vert: "‖",
    langle: "⟨", rangle: "⟩", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉", equiv: "≡",
    sqrt: "√", circ: "∘", emptyset: "∅", forall: "∀", exists: "∃", ell: "ℓ", prime: "′",
  };
  var SPACES = { ",": " ", ";": " ", ":": " ", "!": "", " ": " ", quad: " ", qquad: " " };
  var DROP = /^(left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|displaystyle|textstyle|limits|nolimits)$/;
  var ACCENTS = { hat: "\u0302", widehat: "\u0302", tilde: "\u0303", widetilde: "\u0303", bar: "\u0304",
    overline: "\u0304", vec: "\u20d7", dot: "\u0307" };
  var BB = { E: "𝔼", R: "ℝ", N: "ℕ", P: "ℙ", Z: "ℤ", Q: "ℚ", C: "ℂ" };
  var SUP = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
    "9": "⁹", "+": "⁺", "-": "⁻", "−": "⁻", "(": "⁽", ")": "⁾", n: "ⁿ", i: "ⁱ", T: "ᵀ", "*": "*", "⋆": "*" };
  var SUB = { "0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇", "8": "₈",
    "9": "₉", "+": "₊", "-": "₋", "(": "₍", ")": "₎", i: "ᵢ", j: "ⱼ", k: "ₖ", n: "ₙ", t: "ₜ", m: "ₘ" };

  // The braced group starting at s[i] === "{" (or a single character / command): [content, next index].
  function group(s, i) {
    while (s[i] === " ") i++;
    if (s[i] === "{") {
      var depth = 0;
      for (var j = i; j < s.length; j++) {
        if (s[j] === "{") depth++;
        else if (s[j] === "}" && --depth === 0) return [s.slice(i + 1, j), j + 1];
      }
      return [s.slice(i + 1), s.length];
    }
    if (s[i] === "\\") {
      var m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
      return m ? [m[0], i + m[0].length] : ["", i + 1];
    }
    return [s[i] || "", i + 1];
  }

  function script(text, table, mark) {
    var chars = Array.from(text);
    if (chars.every(function (c) { return table[c] !== undefined; })) {
      return chars.map(function (c) { return table[c]; }).join("");
    }
    return chars.length === 1 ? mark + text : mark + "(" + text + ")";
  }

  function tex(s) {
    var out = "", i = 0;
    while (i < s.length) {
      var c = s[i];
      if (c === "\\") {
        var m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
        var name = m ? m[1] : "";
        i += m ? m[0].length : 1;
        var g;
        if (name === "frac" || name === "dfrac" || name === "tfrac") {
          var a = group(s, i), b = group(s, a[1]);
          var num = tex(a[0]), den = tex(b[0]);
          out += (num.length > 1 ? "(" + num + ")" : num) + "/" + (den.length > 1 ? "(" + den + ")" : den);
          i = b[1];
        } else if (/^(text|textrm|textit|mathrm|mathit|mathbf|boldsymbol|operatorname|mathsf|mbox)$/.test(name)) {
          g = group(s, i); out += tex(g[0]); i = g[1];
        } else if (name === "mathbb") {
          g = group(s, i); out += BB[g[0]] || g[0]; i = g[1];
        } else if (name === "mathcal" || name === "mathscr") {
          g = group(s, i); out += tex(g[0]); i = g[1];
        } else if (ACCENTS[name]) {
          g = group(s, i); out += tex(g[0]) + ACCENTS[name]; i = g[1];
        } else if (name === "sqrt") {
          g = group(s, i); var r = tex(g[0]); out += "√" + (r.length > 1 ? "(" + r + ")" : r); i = g[1];
        } else if (name === "begin" || name === "end") {
          g = group(s, i); i = g[1]; out += " ";
        } else if (SYMBOLS[name] !== undefined) {
          out += SYMBOLS[name];
        } else if (SPACES[name] !== undefined) {
          out += SPACES[name];
        } else if (name === "{" || name === "}" || name === "%" || name === "$" || name === "_" || name === "&") {
          out += name;
        } else if (name === "\\") {
          out += "; ";
        } else if (!DROP.test(name)) {
          out += name; // \log, \exp, \min, \max, \tr, ... read as their names
        }
      } else if (c === "^" || c === "_") {
        var h = group(s, i + 1);
        var inner = tex(h[0]);
        out += c === "^" ? script(inner, SUP, "^") : script(inner, SUB, "_");
        i = h[1];
      } else if (c === "{" || c === "}") {
        i++;
      } else if (c === "&") {
        out += " "; i++;
      } else {
        out += c; i++;
      }
    }
    return out.replace(/\s+/g, " ").trim();
  }

  function inlineText(text) {
    return text.replace(/^\s*\\\(([\s\S]*)\\\)\s*$/, "$1").replace(/^\s*\$([\s\S]*)\$\s*$/, "$1");
  }

  var original = search.htmlToText;
  var wrapped = function (htmlString, anchor) {
    var doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll("div.math").forEach(function (e) { e.replaceWith(doc.createTextNode(" [formula] ")); });
    doc.querySelectorAll("span.math").forEach(function (e) {
      e.replaceWith(doc.createTextNode(tex(inlineText(e.textContent))));
    });
    // "$...$" and "\(...\)" left in plain text (tables a cell printed): typeset as text too
    var walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT), node, nodes = [];
    while ((node = walker.nextNode())) nodes.push(node);
    nodes.forEach(function (t) {
      if (/\\\(|\$[^$\s]/.test(t.nodeValue)) {
        t.nodeValue = t.nodeValue
          .replace(/\\\(([\s\S]+?)\\\)/g, function (_, m) { return tex(m); })
          .replace(/\$([^$]+)\$/g, function (_, m) { return tex(m); });
      }
    });
    return original.call(this, "<!DOCTYPE html>" + doc.documentElement.outerHTML, anchor);
  };
  wrapped.collapseMath = true;
  wrapped.texToText = tex;
  search.htmlToText = wrapped;
})();
