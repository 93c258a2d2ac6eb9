// The witness's backend: the same shape as wsconform's sandbox echo backend.
// $default replies through PostToConnection (not the route response), so
// e2e.echo exercises the management API the way a real backend does.
"use strict";

const {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} = require("@aws-sdk/client-apigatewaymanagementapi");

const endpoint = process.env.WITNESS_MANAGEMENT_ENDPOINT || "http://127.0.0.1:3001";

const client = new ApiGatewayManagementApiClient({
  endpoint,
  region: process.env.AWS_REGION || "us-east-1",
  // serverless-offline does not check signatures; the SDK signs all the same.
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || "local",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || "local",
  },
  maxAttempts: 1,
});

module.exports.connect = async () => ({ statusCode: 200 });

module.exports.disconnect = async () => ({ statusCode: 200 });

module.exports.echo = async (event) => {
  const { connectionId } = event.requestContext;
  const data = JSON.stringify({ connectionId, endpoint, request: event.body });
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
  return { statusCode: 200 };
};
