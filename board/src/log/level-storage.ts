/** The level log storage moved to the level store driver (board/src/store/level/); kept here for imports of this path. */
export * from "../store/level/log-storage.js";
