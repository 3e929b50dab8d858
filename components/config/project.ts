/** The Pulumi project name, which is also the config namespace of every key this program reads. */
export const PROJECT = "adls-migration";
