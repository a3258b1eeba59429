// The smallest Probot app that takes pull request events: Probot verifies each delivery's signature and
// answers once every handler has run. It queues nothing and writes nothing: the least work an app can do.
let received = 0;

export default (app) => {
  app.on("pull_request", async () => {
    received += 1;
  });
  process.on("SIGTERM", () => {
    console.log(JSON.stringify({ event: "probot_stopped", received }));
    process.exit(0);
  });
};
