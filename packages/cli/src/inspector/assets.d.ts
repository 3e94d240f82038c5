// The inspector page's files, bundled as text by tsup (see tsup.config.ts).
declare module "*.page.html" {
  const text: string;
  export default text;
}
declare module "*.css.txt" {
  const text: string;
  export default text;
}
declare module "*.page.js" {
  const text: string;
  export default text;
}
