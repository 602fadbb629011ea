/* The comments under a newspaper's article: one script tag puts the story's stream in an iframe that follows
   its content's height. The reader's SSO token (data-sso-token, signed by the newsroom's server) goes to the
   frame in the URL fragment, which is never sent to any server; ModerationEmbed.signIn(token) hands over a later
   one by postMessage. Nothing here relies on cookies, so it works with third-party cookies blocked. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-site][src*='embed.js']");
  if (!script || script.dataset.embedded) { return; }
  script.dataset.embedded = "1";
  var service = new URL(script.src, location.href).origin;
  var data = script.dataset;
  var params = new URLSearchParams({
    site: data.site || "",
    story_id: data.storyId || "",
    story_url: data.storyUrl || location.href.split("#")[0],
    title: data.storyTitle || document.title,
    origin: location.origin
  });
  var frame = document.createElement("iframe");
  frame.title = "Comments";
  frame.className = "moderation-embed";
  frame.setAttribute("scrolling", "no");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "480px";
  frame.src = service + "/embed/frame?" + params.toString() +
    (data.ssoToken ? "#sso=" + encodeURIComponent(data.ssoToken) : "");
  var target = data.target ? document.getElementById(data.target) : null;
  if (target) { target.appendChild(frame); } else { script.parentNode.insertBefore(frame, script.nextSibling); }

  window.addEventListener("message", function (event) {
    if (event.origin !== service || event.source !== frame.contentWindow || !event.data) { return; }
    if (event.data.type === "moderation:resize" && typeof event.data.height === "number") {
      frame.style.height = Math.ceil(Math.min(event.data.height, 100000)) + "px";
    }
  });

  function tell(message) { frame.contentWindow.postMessage(message, service); }
  window.ModerationEmbed = {
    signIn: function (token) { tell({ type: "moderation:sso", token: String(token) }); },
    signOut: function () { tell({ type: "moderation:sign-out" }); }
  };
})();
