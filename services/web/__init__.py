"""The web application: a backend-for-frontend that renders HTML on the server from the four services' APIs."""
