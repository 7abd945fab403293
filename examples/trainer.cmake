# The trainer on Fashion-MNIST: an MLP and a CNN, test accuracy printed.
add_executable(train_fashion_mnist ${CMAKE_CURRENT_SOURCE_DIR}/train_fashion_mnist.c)
target_link_libraries(train_fashion_mnist PRIVATE gpbo::trainer m)
