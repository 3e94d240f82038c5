// .txt: tsup handles every .css import itself (as a stylesheet to emit), so the CSS is text by name.
import appCss from "./page/app.css.txt";
import appJs from "./page/app.page.js";
import indexHtml from "./page/index.page.html";

export { appCss, appJs, indexHtml };

export const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6feb"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>`;
