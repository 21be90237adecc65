/** The qmi-ts version, as reported by `Describe` and `Ping`. */
export const QMI_VERSION = "0.1.0";
