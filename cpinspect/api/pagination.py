from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    # Large enough that every reference list (175 councils) fits on one page.
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000
