-- Each service owns its data: billing and edge get separate databases on one server.
-- The postgres image runs this once, only when the data volume is empty.
CREATE DATABASE gateway_billing;
CREATE DATABASE gateway_edge;
