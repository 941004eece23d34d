/** The app's name: the tab's title on pages without one of their own, and the end of every other page's. */
export const APP_NAME = "Resilient Chat";
