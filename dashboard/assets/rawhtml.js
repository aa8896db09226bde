/* RawHtml (dashboard/rawhtml.py): one Dash component holding server-made, escaped HTML, so the renderer has
 * one component to walk where the HTML holds many elements. React sets the content and never reconciles inside
 * it, so assets/filter.js may show and hide what is inside. */
(function () {
  "use strict";
  var TAGS = ["div", "ol", "ul", "section"];
  function RawHtml(props) {
    var attributes = { id: props.id, className: props.className, style: props.style, role: props.role };
    Object.keys(props).forEach(function (k) {
      if (k.indexOf("data-") === 0 || k.indexOf("aria-") === 0) attributes[k] = props[k];
    });
    attributes.dangerouslySetInnerHTML = { __html: typeof props.html === "string" ? props.html : "" };
    return window.React.createElement(TAGS.indexOf(props.tag) >= 0 ? props.tag : "div", attributes);
  }
  window.dashboard = Object.assign({}, window.dashboard, { RawHtml: RawHtml });
})();
